"""A packed .charm deploys as Juju 4 deploys it: unpacked with the modes it
was packed with, its hooks running, whether charmcraft packed them as copies
(it follows symlinks) or the zip holds symlinks."""
import importlib.util
import io
import os
import shutil
import stat
import tarfile
import zipfile

import pytest
import yaml

from localcloud import paths
from localcloud.agent import charm_archive
from localcloud.state import charm as charmlib

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT = os.path.dirname(TESTS)


def _pack_tool():
    path = os.path.join(ROOT, "tools", "pack_charm.py")
    spec = importlib.util.spec_from_file_location("pack_charm", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pack_charm = _pack_tool()


def toy_project(cloud, dest):
    """toy-a as a charmcraft project: no series, one platform."""
    shutil.copytree(cloud.charm("toy-a"), dest, symlinks=True)
    meta_path = os.path.join(dest, "metadata.yaml")
    meta = yaml.safe_load(open(meta_path))
    del meta["series"]
    with open(meta_path, "w") as f:
        yaml.safe_dump(meta, f)
    with open(os.path.join(dest, "charmcraft.yaml"), "w") as f:
        yaml.safe_dump({"type": "charm", "platforms": {"ubuntu@24.04:amd64": None},
                        "parts": {"charm": {"plugin": "dump", "source": ".", "prime": [
                            "hooks", "actions", "metadata.yaml", "config.yaml",
                            "actions.yaml"]}}}, f)
    return dest


def unpacked(cloud, unit, *parts):
    return os.path.join(paths.charm_dir(cloud.machine_of(unit).juju_root, unit), *parts)


def test_a_charm_packed_by_the_build_tool_deploys_and_runs_its_hooks(cloud, tmp_path):
    project = toy_project(cloud, str(tmp_path / "toy"))
    [charm] = pack_charm.pack(root=project, out=str(tmp_path))
    assert charm.name == "toy-a_ubuntu@24.04-amd64.charm"
    cloud.ok("deploy", str(charm), "a")
    assert cloud.hooks("a/0")[0] == "install" and "start" in cloud.hooks("a/0")
    assert cloud.state().units["a/0"]["workload"]["status"] == "active"
    install = unpacked(cloud, "a/0", "hooks", "install")
    # charmcraft's zip follows symlinks: a copy, executable like hook.sh
    assert not os.path.islink(install)
    assert os.stat(install).st_mode & 0o777 == 0o755
    with open(install) as f, open(unpacked(cloud, "a/0", "hooks", "hook.sh")) as g:
        assert f.read() == g.read()
    manifest = yaml.safe_load(open(unpacked(cloud, "a/0", "manifest.yaml")))
    assert manifest["bases"] == [{"name": "ubuntu", "channel": "24.04",
                                  "architectures": ["amd64"]}]
    assert not os.path.exists(unpacked(cloud, "a/0", "charmcraft.yaml"))


def _zip_entry(charm, name, data, mode):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    charm.writestr(info, data)


def _zip_project(project, dest, symlinks=True, extra=()):
    """A .charm holding symlinks as symlink entries (as `zip -y` packs)."""
    with zipfile.ZipFile(dest, "w") as charm:
        for dirpath, _, files in os.walk(project):
            for fn in files:
                full = os.path.join(dirpath, fn)
                rel = os.path.relpath(full, project)
                if symlinks and os.path.islink(full):
                    _zip_entry(charm, rel, os.readlink(full), stat.S_IFLNK | 0o777)
                else:
                    with open(full, "rb") as f:
                        _zip_entry(charm, rel, f.read(),
                                   stat.S_IFREG | stat.S_IMODE(os.stat(full).st_mode))
        for name, data in extra:
            _zip_entry(charm, name, data, stat.S_IFREG | 0o644)
    return dest


def test_symlinks_in_a_charm_unpack_as_symlinks_and_their_hooks_run(cloud, tmp_path):
    project = toy_project(cloud, str(tmp_path / "toy"))
    charm = _zip_project(project, str(tmp_path / "toy.charm"),
                         extra=[("manifest.yaml", "bases: []\n")])
    cloud.ok("deploy", charm, "a")
    assert "config-changed" in cloud.hooks("a/0")
    assert os.path.islink(unpacked(cloud, "a/0", "hooks", "install"))
    assert os.readlink(unpacked(cloud, "a/0", "hooks", "install")) == "hook.sh"


def test_a_charm_juju_4_would_refuse_is_refused(cloud, tmp_path):
    project = toy_project(cloud, str(tmp_path / "toy"))
    no_manifest = _zip_project(project, str(tmp_path / "bare.charm"))
    rc, _, err = cloud.juju("deploy", no_manifest, "a")
    assert rc != 0 and "no manifest.yaml" in err
    with open(os.path.join(project, "metadata.yaml"), "a") as f:
        f.write("series: [noble]\n")
    with_series = _zip_project(project, str(tmp_path / "series.charm"),
                               extra=[("manifest.yaml", "bases: []\n")])
    rc, _, err = cloud.juju("deploy", with_series, "a")
    assert rc != 0 and "series" in err
    assert "a" not in cloud.state().apps


@pytest.mark.parametrize("name,data,mode", [
    ("../evil", b"x", stat.S_IFREG | 0o644),
    ("hooks/install", b"../../etc/passwd", stat.S_IFLNK | 0o777),
])
def test_nothing_in_a_charm_unpacks_outside_it(tmp_path, name, data, mode):
    path = str(tmp_path / "evil.charm")
    with zipfile.ZipFile(path, "w") as charm:
        _zip_entry(charm, "manifest.yaml", b"bases: []\n", stat.S_IFREG | 0o644)
        _zip_entry(charm, name, data, mode)
    with pytest.raises(charmlib.CharmError, match="charm"):
        charm_archive.archive(path)


def test_the_mistral_charm_unpacks_with_every_hook_an_executable_copy(tmp_path):
    charms = pack_charm.pack(out=str(tmp_path))
    assert [c.name for c in charms] == ["mistral_ubuntu@22.04-amd64.charm",
                                        "mistral_ubuntu@24.04-amd64.charm"]
    with open(os.path.join(ROOT, "hooks", "mistral_hooks.py"), "rb") as f:
        entry_point = f.read()
    hooks = sorted(n for n in os.listdir(os.path.join(ROOT, "hooks"))
                   if os.path.islink(os.path.join(ROOT, "hooks", n)))
    for charm in charms:
        handlers = charm_archive.handlers(str(charm))
        assert set(hooks) <= set(handlers["hooks"])
        assert handlers["actions"] == sorted(os.listdir(os.path.join(ROOT, "actions")))
        with tarfile.open(fileobj=io.BytesIO(charm_archive.archive(str(charm)))) as tar:
            for hook in hooks:
                member = tar.getmember("hooks/" + hook)
                assert member.isfile() and member.mode == 0o755, hook
                assert tar.extractfile(member).read() == entry_point
            assert tar.getmember("actions/pause").mode == 0o755
            names = tar.getnames()
        assert "charmhelpers/core/hookenv.py" in names
        assert "templates/mistral.conf" in names and "manifest.yaml" in names
        assert not [n for n in names if n.split("/")[0] in (
            "tests", "unit_tests", "tools", "patches") or "__pycache__" in n]
        assert charmlib.load(str(charm))["meta"]["name"] == "mistral"


def test_the_bundles_deploy_the_packed_mistral_charm():
    bundles = os.path.join(TESTS, "bundles")
    for name in sorted(n for n in os.listdir(bundles) if n.endswith(".yaml")):
        with open(os.path.join(bundles, name)) as f:
            ref = yaml.safe_load(f)["applications"]["mistral"]["charm"]
        path = os.path.normpath(os.path.join(bundles, ref))
        assert path == os.path.join(ROOT, "mistral_ubuntu@24.04-amd64.charm"), name
