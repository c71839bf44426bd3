"""Write files so that a failure never leaves half a file behind."""

from __future__ import annotations

import errno as _errno
import glob
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from personas.errors import InputError, Problem

_HINT = "choose another --out, or a folder you can write to"


# what marks a folder as an earlier output of each command, which that command may replace
_OUTPUT_KINDS = (
    ("run", ("summary.json", "clean/clean.parquet", "engine.json")),
    ("clean", ("clean.parquet",)),
    ("assign", ("assignments.csv", "assign-summary.json")),
    ("plan", ("plan.json",)),
)


def check_out_folder(target: str | Path, *, kind: str | None = None) -> None:
    """Refuse, before any work, an output folder that cannot be written or must not be replaced.

    Nothing is created. An output folder is written whole and replaces what was there, so an
    existing ``target`` must be empty or an earlier output of the same ``kind`` (``"run"``,
    ``"clean"``, ``"assign"``; ``None``: any of them): never the user's own files, another
    command's output, or the folder they work in. The nearest existing folder above it must
    be a folder the user may write to.
    """
    target = Path(target)
    if target.is_dir():
        _check_replaceable(target, kind)
    elif target.exists():
        raise InputError(Problem("is a file, not a folder", file=str(target), hint=_HINT))
    parent = next((p for p in target.parents if p.exists()), Path("."))
    if not parent.is_dir():
        raise InputError(Problem(f"{parent} is a file, not a folder", file=str(target), hint=_HINT))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            Problem(f"cannot write in {parent} (permission denied)", file=str(target), hint=_HINT)
        )


def _output_kind(folder: Path) -> str | None:
    """Which command's output ``folder`` is (the first that fits), or ``None``."""
    for name, marks in _OUTPUT_KINDS:
        if any((folder / mark).exists() for mark in marks):
            return name
    return None


def _check_replaceable(target: Path, kind: str | None) -> None:
    here = Path.cwd().resolve()
    if target.resolve() in (here, *here.parents):
        raise InputError(
            Problem(
                "is the folder you are working in (or holds it); the output replaces "
                "its folder as a whole",
                file=str(target),
                hint="choose a new folder for --out",
            )
        )
    if not any(target.iterdir()):
        return
    found = _output_kind(target)
    if found is None:
        message = "holds files personas did not write"
    elif kind is not None and found != kind:
        message = f"holds the output of `personas {found}`"
    else:
        return
    raise InputError(
        Problem(
            f"{message}, and the output would replace the whole folder",
            file=str(target),
            hint="choose a new or empty folder for --out (personas only replaces its own "
            "earlier output of the same command)",
        )
    )


def make_folder(folder: str | Path) -> Path:
    """``mkdir -p`` with an :class:`InputError` naming the folder when it cannot be made."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        message = (
            f"{blocker} is a file, not a folder"
            if blocker is not None
            else f"cannot create the folder ({exc.strerror or exc})"
        )
        raise InputError(Problem(message, file=str(folder), hint=_HINT)) from None
    return folder


def temporary_in(folder: Path, *, prefix: str, make):
    """``make(prefix=..., suffix=".tmp", dir=folder)`` (``tempfile.mkstemp`` / ``mkdtemp``).

    An :class:`InputError` naming ``folder`` when the folder cannot be written.
    """
    try:
        return make(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(
            Problem(
                f"cannot write in {folder} ({exc.strerror or exc})", file=str(folder), hint=_HINT
            )
        ) from None


def write_atomic(
    path: str | Path, write: Callable[[Path], object], *, lock: bool = True, parents: bool = True
) -> Path:
    """Write ``path`` through ``write(temporary)`` into a new file beside it, then rename it
    into place: readers see the old file or the whole new one, never half of it.

    The one temp-then-rename of personas (wave files, weights, reports, study pages). The file
    gets the permissions the user's umask gives a new file (``mkstemp`` would leave it 0600);
    ``write`` may be any writer that takes a path (``DataFrame.to_csv``, ``to_parquet``,
    ``Path.write_text``, ...). With ``lock`` (the default) the folder is locked while the
    temporary file is made and a temporary file a killed writer left beside ``path`` is removed
    first; ``lock=False`` when the caller already holds the folder's lock (a run or a study
    page being written: a second lock from the same process would wait for itself).
    ``parents=False`` makes only ``path``'s own folder, never the folders above it: a Dask task
    that outlives its failed run must not recreate the run's removed temporary folder.
    """
    path = Path(path)
    if parents:
        make_folder(path.parent)
    else:
        path.parent.mkdir(exist_ok=True)
    prefix = f".{path.name}."
    parent_lock = hold_lock(path.parent) if lock else None
    try:
        if parent_lock is not None:
            remove_stale(path.parent, f"{glob.escape(prefix)}*.tmp")
        fd, tmp = temporary_in(path.parent, prefix=prefix, make=tempfile.mkstemp)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # ours until closed: not stale while we write
    finally:
        release(parent_lock)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        write(Path(tmp))
        os.replace(tmp, path)  # still locked: no cleaner removes it before the rename
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return path


def write_text_atomic(
    path: str | Path, text: str, *, encoding: str = "utf-8", lock: bool = True
) -> Path:
    """:func:`write_atomic` of ``text`` (newlines written as given)."""
    return write_atomic(
        path, lambda tmp: tmp.write_text(text, encoding=encoding, newline=""), lock=lock
    )


# --- permissions: what the user's umask allows ---------------------------------------------


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting it, and put it straight back
    os.umask(mask)
    return mask


def apply_umask(path: str | Path) -> None:
    """Give ``path`` (and, for a folder, everything in it) the permissions a plain ``open`` or
    ``mkdir`` would have: ``tempfile`` makes its files 0600 and folders 0700, private to the
    writer, which is right while a file is written but wrong for a report others read.
    """
    mask = current_umask()
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        os.chmod(path, 0o777 & ~mask)
        for sub in path.rglob("*"):
            if sub.is_symlink():
                continue
            if sub.is_dir():
                os.chmod(sub, 0o777 & ~mask)
            elif sub.stat().st_mode & 0o777 == 0o600:  # a private tempfile: the normal mode
                os.chmod(sub, 0o666 & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)


# --- locks: who is still writing ----------------------------------------------------------

try:  # POSIX; elsewhere the locks are no-ops and stale temporary folders are left alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


#: How long :func:`hold_lock` waits for a lock (seconds); the locks personas takes on a
#: reports folder last milliseconds, so a longer wait means something is wrong.
LOCK_WAIT = 60.0


def hold_lock(path: str | Path, *, block: bool = True) -> int | None:
    """Open ``path`` (a file or a folder) and take an exclusive ``flock`` on it.

    Returns the open descriptor (the lock lasts until it is closed, or the process ends in
    any way, ``kill -9`` included), or ``None`` when another process holds the lock (at once
    when ``block`` is false, after :data:`LOCK_WAIT` seconds otherwise) or the path has gone.
    """
    if fcntl is None:
        return -1
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    deadline = time.monotonic() + (LOCK_WAIT if block else 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.005)


def release(fd: int | None) -> None:
    """Close a descriptor from :func:`hold_lock` (releasing its lock)."""
    if fd is not None and fd >= 0:
        os.close(fd)


def remove_stale(folder: Path, pattern: str) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` matching ``pattern`` whose writer
    has ended.

    Every temporary folder personas writes a run (or a report) into is ``flock``-ed by its
    writer from the moment it exists (see :func:`make_temporary_folder`); the lock goes when
    the writer ends, however it ends. So the rule is exact: a match that can be locked has no
    live writer and is removed; one that cannot is left alone. Call it holding
    :func:`hold_lock` on ``folder``, so no writer is between creating and locking its folder.
    """
    if fcntl is None or not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.glob(pattern)):
        fd = hold_lock(path, block=False)
        if fd is None:
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        finally:
            release(fd)
    return removed


def make_temporary_folder(parent: Path, *, prefix: str) -> tuple[Path, int | None]:
    """A new hidden ``<prefix>XXXXXXXX.tmp`` folder in ``parent``, locked for its writer.

    Holds the lock on ``parent`` meanwhile, and first removes stale folders of the same
    prefix (:func:`remove_stale`): killed runs leave nothing behind for good.
    """
    parent_lock = hold_lock(parent)
    try:
        remove_stale(parent, f"{glob.escape(prefix)}*.tmp")
        tmp = Path(temporary_in(parent, prefix=prefix, make=tempfile.mkdtemp))
        return tmp, hold_lock(tmp)
    finally:
        release(parent_lock)


# --- swapping a finished folder into place --------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.renameat2, ctypes
    except (OSError, AttributeError, ImportError):  # not Linux / an old C library
        return None, None


def exchange(new: Path, old: Path) -> bool:
    """Atomically swap two existing folders (Linux ``renameat2(RENAME_EXCHANGE)``).

    After it, ``old``'s path holds the new folder and ``new``'s path the old one: at no
    moment is ``old`` missing or a mix of the two. ``False`` when the system cannot do it.
    """
    call, ctypes = _renameat2()
    if call is None:
        return False
    result = call(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(old), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (_errno.EINVAL, _errno.ENOSYS, _errno.ENOTSUP, _errno.EXDEV):
        return False
    raise OSError(errno, os.strerror(errno), str(old))


def recover_swap(target: Path) -> None:
    """Repair what a writer killed between the two renames of a non-atomic swap left.

    ``.<name>.old`` is the complete previous folder: put back when ``target`` is missing,
    removed when ``target`` is there. Call it holding :func:`hold_lock` on the parent.
    """
    old = target.with_name(f".{target.name}.old")
    if not old.is_dir():
        return
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(old, target)


def link_tree(source: Path, target: Path, *, copy: tuple[str, ...] = ()) -> None:
    """Copy the folder ``source`` to ``target`` as hard links (a plain copy where linking
    fails), so ``source`` stays whole whatever happens to ``target``; top-level entries named
    in ``copy`` are real copies (files personas rewrites in place).

    Safe because personas replaces its files (a new file renamed over the old) rather than
    rewriting them, except in the folders listed in ``copy``.
    """

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    target.mkdir(exist_ok=True)
    for entry in source.iterdir():
        if entry.is_symlink():
            continue
        how = shutil.copy2 if entry.name in copy else link
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, copy_function=how)
        else:
            how(entry, target / entry.name)
