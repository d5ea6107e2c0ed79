"""nn.save: atomic, durable, regular files only, permission bits kept, and a clean
refusal (nothing written, nothing changed) for everything it cannot do."""

import errno
import math
import os
import random
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.io


def model(seed=0):
    return nn.MLP(2, [3, 1], "tanh", seed=seed)


def listing(directory):
    return sorted((p.name, p.lstat().st_mode) for p in Path(directory).iterdir())


@pytest.fixture
def umask():
    """Set the umask for one test (it is process-wide), and restore it."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.fixture
def saved(tmp_path):
    """A model file to replace, and its bytes."""
    path = tmp_path / "model.json"
    nn.save(model(1), path)
    return path, path.read_bytes()


def refusals(directory):
    """Things nn.save must refuse to replace, each made in `directory`."""
    fifo = directory / "fifo"
    os.mkfifo(fifo)
    sock_path = directory / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    (directory / "dir").mkdir()
    made = [(fifo, "a FIFO"), (sock_path, "a socket"), (directory / "dir", "a directory")]
    try:  # a character device like /dev/null (1, 3), where permitted (root, not in all sandboxes)
        os.mknod(directory / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        made.append((directory / "null", "a character device"))
    except (PermissionError, OSError):
        pass
    (directory / "link-to-fifo").symlink_to(fifo)
    made.append((directory / "link-to-fifo", "a FIFO"))
    (directory / "dangling").symlink_to(directory / "nowhere")
    made.append((directory / "dangling", "a symbolic link to nothing"))
    (directory / "loop").symlink_to(directory / "loop")
    made.append((directory / "loop", "a symbolic link to nothing"))
    return made, sock


def test_what_is_not_a_regular_file_is_refused_and_left_alone(tmp_path):
    made, sock = refusals(tmp_path)
    try:
        before = listing(tmp_path)
        for path, words in made:
            with pytest.raises(ValueError, match=words) as info:
                nn.save(model(), path)
            assert str(path) in str(info.value)
            assert listing(tmp_path) == before, path  # no temp file, nothing replaced
    finally:
        sock.close()


def test_dev_null_is_refused_before_anything_is_written(monkeypatch):
    """/dev/null itself, without risking it: every call that could create,
    write or rename a file fails the test instead of running."""
    def forbidden(*args, **kwargs):
        raise AssertionError(f"nn.save touched the file system: {args}")

    for name in ("open", "write", "replace", "rename", "fchmod", "fsync", "unlink"):
        monkeypatch.setattr(os, name, forbidden)
    with pytest.raises(ValueError, match="/dev/null: a character device, not a regular file"):
        nn.save(model(), "/dev/null")
    monkeypatch.undo()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symbolic_link_is_written_through(saved):
    path, _ = saved
    link = path.with_name("latest.json")
    link.symlink_to(path.name)
    os.chmod(path, 0o640)
    nn.save(model(2), link)
    assert link.is_symlink() and os.readlink(link) == path.name  # the link stays a link
    assert nn.load(path).state_dict() == model(2).state_dict()  # its target is replaced
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["latest.json", "model.json"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o664, 0o755, 0o444])
def test_a_replaced_file_keeps_its_permission_bits(saved, umask, mode):
    path, _ = saved
    os.chmod(path, mode)
    umask(0o077)
    nn.save(model(2), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert nn.load(path).state_dict() == model(2).state_dict()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600),
                                        (0o027, 0o640)])
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, mask, mode):
    umask(mask)
    nn.save(model(), tmp_path / "new.json")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == mode


FAULTS = [("write", 1), ("fchmod", 1), ("fsync", 1), ("close", 1), ("replace", 1),
          ("fsync", 2)]


@pytest.mark.parametrize("name, call", FAULTS)
def test_a_failure_at_any_step_leaves_the_old_file_or_the_new_one(saved, monkeypatch, name,
                                                                  call):
    path, old = saved
    os.chmod(path, 0o640)  # so that fchmod is called
    real = getattr(os, name)
    calls = []

    def failing(*args):
        calls.append(args)
        if len(calls) != call:
            return real(*args)
        if name == "close":  # a failing close (EIO on NFS, say) still frees the descriptor
            real(*args)
        raise OSError(errno.EIO, f"injected failure of os.{name}")

    monkeypatch.setattr(os, name, failing)
    with pytest.raises(OSError, match="injected"):
        nn.save(model(2), path)
    monkeypatch.undo()
    after = path.read_bytes()
    if (name, call) == ("fsync", 2):  # the directory's fsync: the rename had happened
        assert nn.load(path).state_dict() == model(2).state_dict()
    else:
        assert after == old
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]  # no temp file
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_short_writes_still_give_the_whole_file(saved, monkeypatch):
    path, _ = saved
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    nn.save(model(2), path)
    monkeypatch.undo()
    assert nn.load(path).state_dict() == model(2).state_dict()


def test_models_a_file_cannot_hold_are_refused_before_writing(saved, monkeypatch):
    path, old = saved
    bad = model(2)
    with pytest.raises(ValueError, match=r"Value\.data needs a finite number, got nan"):
        bad.layers[0].neurons[1].w[0].data = math.nan
    bad.layers[0].neurons[1].w[0]._data = math.nan  # past that check: save() checks again
    with pytest.raises(ValueError, match=r"parameter layers\.0\.neurons\.1\.w\.0 is nan"):
        nn.save(bad, path)
    monkeypatch.setattr(nn.io, "MAX_PARAMETERS", 12)
    with pytest.raises(ValueError, match="13 parameters; a model file holds at most 12"):
        nn.save(model(2), path)
    monkeypatch.undo()
    deep = nn.Layer(1, 1)
    for _ in range(120):
        deep = nn.Residual(deep)
    with pytest.raises(ValueError, match="nests more than 100 deep"):
        nn.save(deep, path)
    monkeypatch.setattr(nn.io, "MAX_BYTES", 500)
    with pytest.raises(ValueError, match="bytes; a model file has at most 500"):
        nn.save(model(2), path)
    with pytest.raises(TypeError, match="nn model"):
        nn.save({"w": 1.0}, path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]


def test_a_missing_directory_is_the_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.save(model(), tmp_path / "absent" / "model.json")
    assert list(tmp_path.iterdir()) == []


WRITER = r'''
import os, sys, time
import nn

path, slow = sys.argv[1], sys.argv[2] == "slow"
if slow:  # a slow disk: short writes, so that kills land mid-write
    real = os.write
    def write(fd, data):
        time.sleep(0.0005)
        return real(fd, bytes(data[:512]))
    os.write = write
models = [nn.MLP(4, [16, 16, 1], seed=s) for s in (1, 2)]
print("ready", flush=True)
while True:
    for m in models:
        nn.save(m, path)
'''


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_file(tmp_path):
    path = tmp_path / "model.json"
    texts = set()
    for seed in (1, 2):
        nn.save(nn.MLP(4, [16, 16, 1], seed=seed), path)
        texts.add(path.read_bytes())
    rng = random.Random(0)
    kills, temps_left = 0, 0
    while kills < 16:  # a count, not a time budget: as many kills on a slow machine
        mode = "slow" if kills % 2 else "fast"
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), mode],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
        kills += 1
        assert path.read_bytes() in texts  # the old file or the new one, never a partial one
        nn.load(path)
        temps = [p for p in tmp_path.iterdir() if p.name != "model.json"]
        assert all(p.name.startswith(".model.json.") and p.name.endswith(".tmp") for p in temps)
        temps_left += len(temps)
        for p in temps:
            p.unlink()
    print(f"{kills} kills, {temps_left} left a temporary file")
    assert kills >= 10
    assert temps_left >= 1  # some kills did land mid-write


def trees(width):
    """Random nested architectures of `width` units: layers, residual blocks, sequences."""
    layer = st.builds(lambda act, seed: nn.Layer(width, width, act, seed=seed),
                      st.sampled_from(["linear", "tanh", "relu", "sigmoid"]),
                      st.integers(0, 2**32 - 1))
    return st.recursive(layer, lambda inner: st.one_of(
        st.builds(nn.Residual, inner),
        st.lists(inner, min_size=1, max_size=3).map(lambda ms: nn.Sequential(*ms))),
        max_leaves=6)


@settings(max_examples=40)
@given(tree=trees(2))
def test_any_nesting_round_trips_exactly(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("trees") / "tree.json"
    nn.save(tree, path)
    loaded = nn.load(path)
    assert repr(loaded) == repr(tree)
    assert [(k, v.hex()) for k, v in loaded.state_dict().items()] == [
        (k, v.hex()) for k, v in tree.state_dict().items()]
    x = [0.3, -0.6]
    assert [v.data for v in loaded(x)] == [v.data for v in tree(x)]
