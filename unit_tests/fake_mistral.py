"""Installed Mistral code on which our fixes apply, without Mistral.

A variant's patch shows the original lines around each change (context and
removed lines) with their line numbers; the file written here has those
lines there and filler lines elsewhere, so that exactly that variant fits.
"""

import os
import re

import mistral_patches

HUNK = re.compile(r'^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@')


def original_lines(patch_file):
    """{line number: text} of the original lines patch_file shows."""
    lines, line_no, in_diff = {}, 0, False
    with open(patch_file) as f:
        for line in f:
            if line.startswith(('--- ', '+++ ')):
                in_diff = True
                continue
            m = HUNK.match(line)
            if m:
                line_no = int(m.group(1))
            elif in_diff and line[:1] in (' ', '-'):
                lines[line_no] = line[1:]
                line_no += 1
    return lines


def original_text(patch_files):
    """A file on which every one of patch_files (diffs of the same
    original) applies."""
    known = {}
    for patch_file in patch_files:
        known.update(original_lines(patch_file))
    return ''.join(known.get(n, '# filler line %d\n' % n)
                   for n in range(1, max(known) + 1)) + '# end of file\n'


def install(target_dir, variants=None):
    """Write the files every fix changes under target_dir, each fitting
    the fix's variant named in `variants` ({fix: variant}, default: the
    newest). Returns {fix name: its installed file}."""
    variants = variants or {}
    by_path, paths = {}, {}
    for fix in mistral_patches.load_fixes():
        variant = variants.get(fix.name, sorted(fix.variants)[-1])
        by_path.setdefault(fix.path, []).append(fix.variants[variant])
        paths[fix.name] = os.path.join(target_dir, fix.path)
    for rel, patch_files in by_path.items():
        path = os.path.join(target_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(original_text(patch_files))
    return paths
