import os
import sys

CHARM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _path in (CHARM_ROOT, os.path.join(CHARM_ROOT, 'hooks'),
              os.path.join(CHARM_ROOT, 'actions')):
    if _path not in sys.path:
        sys.path.insert(0, _path)
