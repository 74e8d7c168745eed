"""The output folder of ``smalltrial run``: ownership, the atomic swap and crash recovery.

smalltrial never replaces or deletes a folder or file that it did not write. The rules:

* **Ownership.** A folder ``X`` may be replaced only when it is empty or when it is a smalltrial
  output: its ``manifest.json`` carries the format marker (``"format": "smalltrial-output"``)
  and lists every file in the folder with its sha256. Any other file, a changed file, a link or
  an unexpected sub-folder makes ``X`` foreign: the run stops (exit 2) naming the first one.
* **Temporary folders** are siblings of ``X`` named ``.X.tmp-*``. The first thing written into
  one is the marker file ``.smalltrial-partial``; the process holds an ``flock`` on the folder
  while it works, so another run never deletes a folder that is in use.
* **The swap.** On Linux the complete new folder and ``X`` are exchanged in one
  ``renameat2(RENAME_EXCHANGE)`` call, so ``X`` is always either the complete old or the complete
  new output. Elsewhere (or on a file system without the call) ``X`` is renamed to ``.X.old-*``
  and the new folder moved in; a kill between the two renames leaves ``X`` missing, and the
  next run puts ``.X.old-*`` back first (:func:`recover`).
* **Clean-up.** Temporary folders are removed on every exit path (errors, Ctrl-C, SIGTERM via
  the command line's handler); a folder left by a killed run is removed by the next run, but only
  when it is empty, carries the marker, or is itself a complete smalltrial output.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smalltrial._errors import SmallTrialError

try:  # Unix: advisory locks keep a running run's temporary folder safe from another run
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: the format marker in manifest.json of every folder smalltrial wrote
FORMAT = "smalltrial-output"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
#: the file written first into a temporary folder and removed last from it
PARTIAL_MARK = ".smalltrial-partial"
_MARK_TEXT = b"smalltrial: an unfinished output folder; safe to delete\n"
_SUFFIX_LEN = 13  # ".tmp-" + 8 random characters
_NAME_MAX = 255
#: sub-folders an output may hold even when empty (a run without tables or figures)
_FOLDERS = ("tables", "figures")


# --------------------------------------------------------------------------------------------
# ownership
# --------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _listed_outputs(folder: Path) -> dict[str, str] | str:
    """The files the manifest lists (path -> sha256), or why the folder is not a smalltrial output."""
    manifest = folder / MANIFEST
    try:
        st = manifest.lstat()
    except FileNotFoundError:
        return "it has no manifest.json"
    if not stat.S_ISREG(st.st_mode):
        return "its manifest.json is not a regular file"
    if st.st_size > 50_000_000:
        return "its manifest.json is not a smalltrial manifest"
    try:
        data = json.loads(manifest.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "its manifest.json is not a smalltrial manifest (not JSON)"
    marked = isinstance(data, dict) and (
        data.get("format") == FORMAT or data.get("smalltrial_manifest") == 1)  # 1: before the marker
    outputs = data.get("outputs") if isinstance(data, dict) else None
    if not marked or not isinstance(outputs, list):
        return f"its manifest.json has no smalltrial format marker ('format': {FORMAT!r})"
    listed: dict[str, str] = {}
    for entry in outputs:
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                and isinstance(entry.get("sha256"), str)):
            return "its manifest.json is not a smalltrial manifest (bad 'outputs' entry)"
        listed[entry["path"]] = entry["sha256"]
    return listed


def foreign_content(folder: str | os.PathLike[str], *, allow_mark: bool = False) -> str | None:
    """Why smalltrial may not replace ``folder`` (``None`` when it may).

    ``None`` for an empty folder and for a smalltrial output whose files are exactly those its
    manifest lists, unchanged; otherwise a reason naming the first foreign entry.
    ``allow_mark`` tolerates the temporary folder's marker file at the top.
    """
    folder = Path(folder)
    entries = sorted(os.listdir(folder))
    if allow_mark and PARTIAL_MARK in entries:
        entries.remove(PARTIAL_MARK)
    if not entries:
        return None
    listed = _listed_outputs(folder)
    if isinstance(listed, str):
        return listed
    allowed_dirs = set(_FOLDERS)
    for rel in listed:
        parts = rel.split("/")
        allowed_dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if rel == MANIFEST or (allow_mark and rel == PARTIAL_MARK):
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                return f"{rel!r} is a link, which smalltrial does not write"
            if stat.S_ISDIR(mode):
                if rel not in allowed_dirs:
                    return f"folder {rel + '/'!r} was not written by smalltrial"
                continue
            if rel not in listed:
                return f"{rel!r} was not written by smalltrial"
            if not stat.S_ISREG(mode) or _sha256(path) != listed[rel]:
                return f"{rel!r} was changed after smalltrial wrote it"
    return None


def check_replaceable(out: Path) -> None:
    """Raise :class:`SmallTrialError` unless ``out`` is missing, empty or a smalltrial output."""
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        raise SmallTrialError(f"out: {str(out)!r} exists and is not a folder")
    why = foreign_content(out)
    if why is not None:
        raise SmallTrialError(
            f"out: folder {str(out)!r} is not a smalltrial output ({why}); smalltrial replaces "
            "only folders it wrote: choose another folder, or empty it")
    for folder in [out, *(p for p in sorted(out.rglob("*")) if p.is_dir() and not p.is_symlink())]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise SmallTrialError(f"out: cannot replace {str(out)!r}: folder {str(folder)!r} is "
                                  "not writable")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise SmallTrialError(f"out: cannot replace {str(out)!r}: its parent folder is not writable")


# --------------------------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------------------------
def resolve(out: str | os.PathLike[str]) -> Path:
    """The real output folder: absolute, with symbolic links followed (a linked ``--out`` is
    written through, never replaced by a folder). Checks the name is usable first."""
    text = os.fspath(out)
    if isinstance(text, bytes):
        raise SmallTrialError(f"out must be a folder path (str), got bytes {text!r}")
    if "\x00" in text:
        raise SmallTrialError(f"out: a folder name cannot contain a NUL byte, got {text!r}")
    if not text.strip():
        raise SmallTrialError(f"out: need a folder name, got {text!r}")
    real = Path(os.path.realpath(text))
    if real.parent == real:
        raise SmallTrialError(f"out: cannot write to the root folder {text!r}")
    cwd = Path(os.path.realpath(os.getcwd()))
    if cwd == real or real in cwd.parents:
        raise SmallTrialError(f"out: {text!r} is the current folder or contains it; "
                              "choose a folder inside it or elsewhere")
    ancestor = real.parent
    while not os.path.lexists(ancestor):
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise SmallTrialError(f"out: {text!r}: {str(ancestor)!r} is a file, not a folder")
    for part in Path(text).parts:
        if len(os.fsencode(part)) > _NAME_MAX:
            raise SmallTrialError(f"out: folder name too long ({len(os.fsencode(part))} bytes; "
                                  f"at most {_NAME_MAX}): {part[:40]!r}...")
    if len(os.fsencode(real.name)) + 1 + _SUFFIX_LEN > _NAME_MAX:
        raise SmallTrialError(f"out: folder name too long ({len(os.fsencode(real.name))} bytes; at "
                              f"most {_NAME_MAX - 1 - _SUFFIX_LEN}): {real.name[:40]!r}...")
    return real


def _siblings(out: Path, kind: str) -> list[Path]:
    prefix = f".{out.name}.{kind}-"
    try:
        names = os.listdir(out.parent)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [out.parent / n for n in sorted(names)
            if n.startswith(prefix) and len(n) == len(prefix) + 8]


# --------------------------------------------------------------------------------------------
# locks and removal
# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _try_lock(folder: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``folder`` if nobody else does; yields whether we got it."""
    if fcntl is None:  # pragma: no cover - no locks: assume not in use
        yield True
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _is_stale_ours(path: Path) -> bool:
    """A leftover temporary folder smalltrial may delete: empty, marked, or a complete output."""
    try:
        if not stat.S_ISDIR(path.lstat().st_mode):
            return False
        if (path / PARTIAL_MARK).is_file() and not (path / PARTIAL_MARK).is_symlink():
            return True
        return foreign_content(path, allow_mark=True) is None
    except OSError:
        return False


def _remove(path: Path) -> None:
    """Delete a temporary folder of ours so that a kill at any moment leaves it recognisable
    (the marker file goes in first and comes out last)."""
    try:
        if not (path / PARTIAL_MARK).exists():
            (path / PARTIAL_MARK).write_bytes(_MARK_TEXT)
        for entry in sorted(os.listdir(path)):
            if entry == PARTIAL_MARK:
                continue
            child = path / entry
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        (path / PARTIAL_MARK).unlink()
        path.rmdir()
    except FileNotFoundError:  # another run cleaned it up meanwhile
        pass


def recover(out: Path) -> list[str]:
    """Repair what a killed run left next to ``out``; returns a note per action taken.

    If ``out`` is missing and a complete earlier output waits as ``.out.old-*`` (a kill between
    the two renames of the fallback swap), it is renamed back. Leftover ``.out.tmp-*`` and
    ``.out.old-*`` folders that are ours and not in use are deleted; anything else is left alone.
    """
    notes: list[str] = []
    if not os.path.lexists(out):
        for old in reversed(_siblings(out, "old")):
            with _try_lock(old) as free:
                if free and _is_stale_ours(old) and not (old / PARTIAL_MARK).exists():
                    try:
                        os.rename(old, out)
                    except OSError:
                        continue
                    notes.append(f"restored {out.name!r} from {old.name!r} (left by an interrupted run)")
                    break
    for leftover in _siblings(out, "tmp") + _siblings(out, "old"):
        with _try_lock(leftover) as free:
            if free and _is_stale_ours(leftover):
                _remove(leftover)
                notes.append(f"removed {leftover.name!r} (left by an interrupted run)")
    return notes


# --------------------------------------------------------------------------------------------
# the atomic exchange
# --------------------------------------------------------------------------------------------
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_renameat2: Any = None


def _renameat2_fn() -> Any:
    global _renameat2
    if _renameat2 is None:
        fn = False
        if sys.platform.startswith("linux"):
            try:
                fn = ctypes.CDLL(None, use_errno=True).renameat2
                fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                               ctypes.c_uint]
                fn.restype = ctypes.c_int
            except (OSError, AttributeError):  # pragma: no cover - glibc < 2.28, musl
                fn = False
        _renameat2 = fn
    return _renameat2


def _rename2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(src, dst, flags)``; False when this system or file system lacks it."""
    fn = _renameat2_fn()
    if not fn:
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def exchange_supported(folder: Path) -> bool:
    """Whether atomic exchange works in ``folder`` (used by the tests)."""
    a = folder / f".smalltrial-probe-{secrets.token_hex(4)}"
    b = folder / f".smalltrial-probe-{secrets.token_hex(4)}"
    a.mkdir()
    b.mkdir()
    try:
        return _rename2(a, b, _RENAME_EXCHANGE)
    finally:
        a.rmdir()
        b.rmdir()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM during the few renames that must not be split."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    sigs = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap_in(tmp: Path, out: Path) -> Path | None:
    """Put the complete folder ``tmp`` at ``out``; returns where the previous ``out`` now is."""
    if not os.path.lexists(out):
        if not _rename2(tmp, out, _RENAME_NOREPLACE):
            os.rename(tmp, out)
        return None
    if _rename2(tmp, out, _RENAME_EXCHANGE):
        return tmp  # the old output now sits at the temporary name
    old = out.parent / f".{out.name}.old-{secrets.token_hex(4)}"
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    return old


class TempOutput:
    """A temporary sibling folder of ``out`` to write a run into; :meth:`commit` swaps it in.

    Use as a context manager: on leaving without :meth:`commit` the folder is removed.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.path = self._make(out)
        self._fd: int | None = None
        self._committed = False
        if fcntl is not None:
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    @staticmethod
    def _make(out: Path) -> Path:
        umask = os.umask(0)
        os.umask(umask)
        for _ in range(100):
            path = out.parent / f".{out.name}.tmp-{secrets.token_hex(4)}"
            try:
                path.mkdir(mode=0o777 & ~umask)
            except FileExistsError:  # pragma: no cover - 1 in 4 billion
                continue
            break
        else:  # pragma: no cover
            raise SmallTrialError(f"out: cannot create a temporary folder next to {str(out)!r}")
        (path / PARTIAL_MARK).write_bytes(_MARK_TEXT)
        return path

    def __enter__(self) -> TempOutput:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def commit(self) -> None:
        """Swap the finished folder in (``out`` must still be ours), then delete the old one."""
        check_replaceable(self.out)  # again: the user may have added a file during the run
        (self.path / PARTIAL_MARK).unlink()
        with _signals_deferred():
            previous = _swap_in(self.path, self.out)
            self._committed = True
        if previous is not None:
            _remove(previous)

    def close(self) -> None:
        """Remove the folder unless committed; release the lock."""
        try:
            if not self._committed:
                _remove(self.path)
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
