"""Build a corpus of another kind: software documentation, for the own set ``docs-own``.

Every other own set asks news or encyclopedia text. A user as likely points ``qa`` at a folder of
READMEs. This writes the long description (the project's README, as published on PyPI) of a
fixed list of packages that ``make setup`` installs, one file each (``.md``, ``.rst`` or ``.txt``, as
the package says its description is written), from their installed
``METADATA``. The versions are pinned by ``requirements.lock``, so the corpus is the same on every
machine that ran ``make setup``; nothing is downloaded and nothing is committed.

    python bench/docs_corpus.py ~/.cache/qa/docs-corpus
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = [
    "tqdm", "dateparser", "charset-normalizer", "regex", "bm25s", "threadpoolctl", "syrupy",
    "pytz", "rich", "typer", "sortedcontainers", "msgpack", "h11", "tzlocal", "attrs", "idna",
    "cloudpickle", "faiss-cpu", "trafilatura", "tokenizers",
]  # fmt: skip


def build(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in PACKAGES:
        meta = metadata.metadata(name)
        body = meta.get_payload() or meta.get("Description") or ""  # type: ignore[attr-defined]
        kind = (meta.get("Description-Content-Type") or "").split(";")[0].strip()
        suffix = {"text/markdown": ".md", "text/x-rst": ".rst"}.get(kind, ".txt")
        path = dest / f"{name}{suffix}"
        path.write_text(body.strip() + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    args = ap.parse_args()
    try:
        paths = build(args.dest)
    except metadata.PackageNotFoundError as exc:
        sys.exit(f"docs_corpus: {exc} is not installed; run `make setup` first")
    print(f"{len(paths)} files in {args.dest}")


if __name__ == "__main__":
    main()
