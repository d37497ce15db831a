"""Keep the index following the corpus: watch its folder, rebuild once changes have settled.

``settled_changes`` turns the file system's events (``watchfiles``, inotify on Linux) into
batches: a batch is yielded once no event has come for ``quiet`` seconds, so a burst (a
``git pull``, an unzip of 500 files, an editor's save-rename-delete) is one batch and one
rebuild, and a file still being written is read once its writer has paused. Events that come
while the caller rebuilds are kept and make the next batch. ``rebuild`` is one incremental
build that also says which files it added, changed and removed. Both are headless: ``qa watch``
drives them from the command line and the chat from a worker thread. A rebuild is the ordinary
build, so it is atomic: a watcher killed in the middle leaves the previous index live.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from embeddings.store import current_version
from qa.errors import BadIndex
from qa.records import BuildSummary

QUIET_S = 1.0  # no event for this long: the changes have settled
MAX_WAIT_S = 30.0  # a folder that never goes quiet (a log written every second) is rebuilt this often
SHOWN_NAMES = 3  # files named in a rebuild's line; the rest are counted

# editors' and tools' scratch files beside a document (hidden names are left out anyway)
_SCRATCH = re.compile(r"(~|\.sw[a-p]|\.tmp|\.part|\.crdownload)$|^(4913|#.*#)$", re.IGNORECASE)


class Stop:
    """Anything with ``is_set()``: a ``threading.Event``, or a worker's cancelled flag."""

    def is_set(self) -> bool:  # pragma: no cover - a protocol
        raise NotImplementedError


def _relevant(corpus: Path, skip: Iterable[Path]) -> Callable[[object, str], bool]:
    """The watch filter: a path in the corpus that a build could read, not the index's own files."""
    corpus = corpus.resolve()
    skipped = tuple(p.resolve() for p in skip)

    def keep(_change: object, path: str) -> bool:
        p = Path(path)
        if any(p == s or s in p.parents for s in skipped):
            return False
        try:
            parts = p.relative_to(corpus).parts
        except ValueError:
            parts = p.parts[-1:]  # under a folder that links are followed into
        return not any(part.startswith(".") for part in parts) and not _SCRATCH.search(p.name)

    return keep


def settled_changes(
    folders: Iterable[Path],
    *,
    skip: Iterable[Path] = (),
    quiet: float = QUIET_S,
    max_wait: float = MAX_WAIT_S,
    stop: Stop | None = None,
    initial: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[set[Path]]:
    """Yield the paths changed under ``folders`` (the first is the corpus), one set per settled burst.

    ``skip``: folders whose events are ignored (the index, when it lies inside the corpus).
    ``initial``: first yield an empty set as soon as the watch has started, so a caller can
    bring the index up to date knowing that nothing changed meanwhile goes unseen.
    Stops when ``stop.is_set()``; Ctrl-C raises ``KeyboardInterrupt`` as usual.
    """
    import watchfiles

    folders = [Path(f) for f in folders]
    keep = _relevant(folders[0], skip)
    pending: set[Path] = set()
    first = last = 0.0
    # wake at least four times per quiet period, to see it end on time
    timeout_ms = max(20, int(quiet * 250))
    for events in watchfiles.watch(
        *folders, watch_filter=keep, step=20, debounce=max(100, int(quiet * 1000)), rust_timeout=timeout_ms,
        yield_on_timeout=True, stop_event=stop, raise_interrupt=True,
    ):
        now = clock()
        if initial:
            initial = False
            yield set()
        if events:
            if not pending:
                first = now
            pending.update(Path(p) for _, p in events)
            last = now
        if pending and (now - last >= quiet or now - first >= max_wait):
            batch, pending = pending, set()
            yield batch


@dataclass(frozen=True)
class Rebuilt:
    """One rebuild: the files it added, changed and removed (corpus-relative), and its summary."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    summary: BuildSummary

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        """What changed, for people: ``2 added (a.txt, b.md), 1 removed (old.pdf)``."""
        parts = []
        for label, names in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            if names:
                shown = ", ".join(names[:SHOWN_NAMES])
                more = f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
                parts.append(f"{len(names)} {label} ({shown}{more})")
        return ", ".join(parts) or "nothing changed"

    def line(self) -> str:
        """The line ``qa watch`` prints: what changed, then the work and how long it took."""
        s = self.summary
        chunks = f"{s.chunks_embedded} chunk{'' if s.chunks_embedded == 1 else 's'}"
        return f"{self.describe()}; {chunks} embedded in {s.seconds:.1f} s"

    def to_json(self) -> dict:
        return {"added": list(self.added), "changed": list(self.changed), "removed": list(self.removed),
                "chunks_embedded": self.summary.chunks_embedded, "seconds": round(self.summary.seconds, 3)}


def indexed_files(root: Path) -> dict[str, str]:
    """Source -> SHA-256 of every file in the live index (empty when there is none)."""
    version = current_version(root)
    if version is None:
        return {}
    from qa.index import read_meta

    try:
        meta = read_meta(version)
    except BadIndex:
        return {}
    return {d["source"]: d.get("sha256", "") for d in meta.get("files", []) if isinstance(d, dict) and "source" in d}


def rebuild(engine, progress=None, warn=None) -> Rebuilt:
    """One incremental build of ``engine``'s index, waiting for any other build to finish first."""
    before = indexed_files(engine.root)
    summary = engine.build(progress=progress, warn=warn, wait=True)
    after = indexed_files(engine.root)
    return Rebuilt(
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(sorted(s for s in after if s in before and after[s] != before[s])),
        removed=tuple(sorted(set(before) - set(after))),
        summary=summary,
    )


def watched_folders(engine) -> list[Path]:
    """The corpus, and the folders its symbolic links are followed into (from the last build)."""
    from qa.status import Reading

    version = current_version(engine.root)
    meta = None
    if version is not None:
        from qa.index import read_meta

        try:
            meta = read_meta(version)
        except BadIndex:
            pass
    extra = [Path(p) for p in Reading.from_meta(meta).follow_links]
    corpus = engine.corpus.resolve()
    return [corpus, *(p for p in extra if p.is_dir() and p != corpus and corpus not in p.parents)]


def keep_indexed(
    engine,
    on_rebuilt: Callable[[Rebuilt], None],
    on_error: Callable[[Exception], None],
    *,
    quiet: float = QUIET_S,
    stop: Stop | None = None,
    progress=None,
    warn=None,
    first: bool = True,
) -> None:
    """Rebuild ``engine``'s index whenever its corpus changes, until ``stop`` (or Ctrl-C).

    With ``first``, brings the index up to date before watching. ``on_rebuilt`` hears of each
    rebuild that changed the index; a failed one goes to ``on_error`` and the watching goes on
    (the previous index stays live).
    """
    from qa.errors import QAError

    def once() -> None:
        try:
            done = rebuild(engine, progress, warn)
        except (QAError, OSError) as exc:
            on_error(exc)
            return
        if done.changed_anything:
            on_rebuilt(done)

    folders = watched_folders(engine)
    for _batch in settled_changes(folders, skip=(engine.root,), quiet=quiet, stop=stop, initial=first):
        once()
