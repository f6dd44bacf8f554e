"""A test provider: a "machine" is a directory on the host and its commands
are host subprocesses.  Paths inside such a machine are ordinary host paths
under that directory (juju_root = <dir>/var/lib/juju), so everything the
runner does with a Machine works unchanged.  No isolation whatsoever: for
toy charms only."""
import os
import shutil
import subprocess

from .. import paths


class DirMachine:
    interface = "eth0"

    def __init__(self, machine_id, series):
        self.id = str(machine_id)
        self.series = series
        self.dir = os.path.join(paths.dir_machines(), "machine-%s" % self.id)
        n = int(self.id)
        # Loopback addresses: unique per machine, never routed anywhere.
        self.address = "127.0.%d.%d" % (10 + n // 250, 1 + n % 250)
        self.cidr = "127.0.0.0/8"
        self.juju_root = os.path.join(self.dir, paths.MACHINE_JUJU_ROOT.lstrip("/"))

    def run(self, argv, env=None, cwd=None, timeout=None, input=None):
        return subprocess.run(argv, env=env if env is not None else {},
                              cwd=cwd, timeout=timeout, input=input,
                              capture_output=True, text=True)

    def push(self, host_src, dest):
        if os.path.isdir(dest) and not os.path.islink(dest):
            shutil.rmtree(dest)
        elif os.path.lexists(dest):
            os.unlink(dest)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.isdir(host_src):
            shutil.copytree(host_src, dest, symlinks=True)
        else:
            shutil.copy2(host_src, dest)

    def write_file(self, path, data, mode=0o644):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)

    def read_file(self, path):
        with open(path, "rb") as f:
            return f.read()


class DirMachineProvider:
    def _series_file(self, machine_id):
        return os.path.join(paths.dir_machines(), "machine-%s" % machine_id, "series")

    def create(self, machine_id, series):
        m = DirMachine(machine_id, series)
        os.makedirs(m.juju_root, exist_ok=True)
        with open(self._series_file(machine_id), "w") as f:
            f.write(series)
        return m

    def get(self, machine_id):
        try:
            with open(self._series_file(machine_id)) as f:
                series = f.read().strip()
        except FileNotFoundError:
            raise KeyError("machine %s not found" % machine_id)
        return DirMachine(machine_id, series)

    def destroy(self, machine_id):
        shutil.rmtree(os.path.join(paths.dir_machines(), "machine-%s" % machine_id),
                      ignore_errors=True)

    def stop(self, machine_id, kill=True):
        pass

    def start(self, machine_id):
        pass

    def list(self):
        try:
            names = os.listdir(paths.dir_machines())
        except FileNotFoundError:
            return []
        return sorted((n.split("-", 1)[1] for n in names
                       if n.startswith("machine-")), key=int)

    def destroy_all(self):
        shutil.rmtree(paths.dir_machines(), ignore_errors=True)
