"""Reading and replacing files safely: regular files only, never blocking,
never a partial file. Used by `nn.save` / `nn.load`; nothing here knows models.

- `read_regular(path, limit)` reads a regular file (symbolic links followed).
  Anything else (a directory, FIFO, socket, device) is refused with ValueError
  before it is opened, and the file is opened non-blocking, so a FIFO swapped
  in meanwhile cannot block the reader either.
- `replace_atomically(path, data)` writes `data` to a new file beside the
  target (same directory, so the rename cannot cross file systems), fsyncs it,
  renames it over the target and fsyncs the directory. Killed at any moment,
  it leaves the old file or the new one under `path`, never a partial file
  (at worst a hidden `.name.*.tmp` beside it). Only a regular file is
  replaced: anything else is refused with ValueError before anything is
  written. A symbolic link is written through: the file it points to is
  replaced (in that file's directory) and the link stays; a link to nothing
  is refused. A replaced file keeps its permission bits; a new file gets
  0o666 less the umask, as `open(path, "w")` would give it.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0))
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0))
_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]


def _kind(mode: int) -> str:
    """What a file of this `st_mode` is, in words ("a FIFO")."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path`, which may hold at most `limit`.
    ValueError naming the path for anything else or anything larger; OSError
    (FileNotFoundError, PermissionError, ...) if it cannot be opened."""
    _check_regular(path, os.stat(path).st_mode)  # before opening: a socket or device never is
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        _check_regular(path, info.st_mode)  # it may have been swapped since the stat above
        if info.st_size > limit:
            raise ValueError(f"{path}: {info.st_size} bytes; a model file has at most {limit}")
        chunks, size = [], 0
        while chunk := os.read(fd, min(limit + 1 - size, max(info.st_size - size, 0) + 65536)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ValueError(f"{path}: more than {limit} bytes; a model file has at most "
                                 f"{limit}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def replace_atomically(path: Path, data: bytes) -> None:
    """Make `path` hold exactly `data`, atomically and durably (see the module docstring)."""
    target, mode = _target(path)
    directory = target.parent
    fd, tmp = _create_beside(target)
    try:
        try:
            _write_all(fd, data)
            if mode is not None:
                os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        _target(target)  # refuse a target that stopped being a regular file meanwhile
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _check_regular(path: str | Path, mode: int, why: str = "") -> None:
    """ValueError naming `path` and what it is, unless `mode` is a regular file's."""
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path}: {_kind(mode)}, not a regular file{why}")


def _target(path: Path) -> tuple[Path, int | None]:
    """The file to replace (a symbolic link resolved) and its permission bits,
    None for a file not there yet."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path, None
    target, named = path, str(path)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = Path(os.path.realpath(path, strict=True))
        except OSError as exc:
            raise ValueError(f"{path}: a symbolic link to nothing ({exc.strerror or exc}); "
                             f"links are written through to an existing regular file only"
                             ) from None
        info, named = os.stat(target), f"{path} → {target}"
    _check_regular(named, info.st_mode, "; only a regular file is replaced")
    return target, stat.S_IMODE(info.st_mode)


def _create_beside(target: Path) -> tuple[int, Path]:
    """A new empty file in target's directory, mode 0o666 less the umask."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name[:200]}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, _CREATE_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{target.parent}: no free temporary name after 100 tries")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
