"""An index folder whose contents are replaced atomically.

Layout::

    INDEX/
      CURRENT          one line: the name of the live version folder
      v-<stamp>/       a complete, self-contained index (plain files)
      build.lock       held while a build runs

A build writes a new version folder beside the live one, flushes it to disk, then points
``CURRENT`` at it with an atomic rename. A build that is interrupted or fails (killed, out of
disk space) leaves ``CURRENT`` and the folder it names untouched, so the previous index stays
usable; leftovers of a dead build are swept when the next one starts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

CURRENT = "CURRENT"
LOCK = "build.lock"


class StoreBusy(Exception):
    """Another build holds the index's lock."""


def current_version(root: Path) -> Path | None:
    """The live version folder, or None when no build has finished yet."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    path = root / name
    return path if path.is_dir() else None


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree(path: Path) -> None:
    for entry in path.rglob("*"):
        if entry.is_file():
            with open(entry, "rb+") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


@contextlib.contextmanager
def build_lock(root: Path, wait: bool = False) -> Iterator[None]:
    """Hold the index's build lock; raise ``StoreBusy`` if another build has it.

    The lock is an ``flock`` on ``build.lock``, so the kernel releases it when its holder dies,
    however it dies; the file holds the holder's process id, for the message.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as fh:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh.fileno(), flags)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read(32).strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise StoreBusy(f"another build{who} is running on {root}") from None
        try:
            with contextlib.suppress(OSError):  # only for the message: a full disk must not stop the build
                fh.seek(0)
                fh.truncate()
                fh.write(f"{os.getpid()}\n")
                fh.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fh.truncate(0)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def new_version(root: Path) -> Path:
    """A fresh, empty staging folder inside ``root`` (not live until ``commit``)."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
    path = root / f".staging-v-{stamp}"
    path.mkdir()
    return path


def commit(root: Path, staging: Path) -> Path:
    """Make ``staging`` the live version atomically.

    The version it replaces is kept until the next commit, so a reader that opened it just
    before (a question racing a rebuild, a long-lived UI) can still read its files.
    """
    previous = current_version(root)
    _fsync_tree(staging)
    final = root / staging.name.removeprefix(".staging-")
    os.replace(staging, final)
    tmp = root / f".{CURRENT}.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(final.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / CURRENT)
    except BaseException:  # CURRENT still names the previous version: drop this one
        shutil.rmtree(final, ignore_errors=True)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(root)
    sweep(root, keep=(final, previous))
    return final


def sweep(root: Path, keep: Path | None | tuple[Path | None, ...]) -> None:
    """Remove older versions and leftovers of interrupted builds (call with the lock held)."""
    kept = set(keep) if isinstance(keep, tuple) else {keep}
    for entry in root.iterdir():
        if entry in kept or entry.name in (CURRENT, LOCK):
            continue
        if entry.name.startswith(("v-", ".staging-v-")) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{CURRENT}."):
            with contextlib.suppress(OSError):
                entry.unlink()


def sweep_leftovers(root: Path) -> None:
    """Remove what a build that died left behind (call with the lock held).

    Staging folders and half-written ``CURRENT`` files go, and so do versions that are neither
    live nor the one live before it (a reader that opened that one may still be using it): a
    version finished but never made live, or one a killed build did not get to sweep.
    """
    live = current_version(root)
    versions = sorted(p for p in root.iterdir() if p.name.startswith("v-") and p.is_dir())
    older = [p for p in versions if live is not None and p.name < live.name]
    keep = {live, older[-1] if older else None}
    for entry in root.iterdir():
        if entry.name.startswith(".staging-v-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{CURRENT}."):
            with contextlib.suppress(OSError):
                entry.unlink()
        elif entry in versions and entry not in keep and live is not None:
            shutil.rmtree(entry, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
