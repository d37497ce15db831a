"""The index folder: versions made live atomically, leftovers swept, one build at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from embeddings.store import (
    CURRENT,
    StoreBusy,
    build_lock,
    commit,
    current_version,
    discard,
    new_version,
    sweep,
)


def _staged(root: Path, payload: str) -> Path:
    staging = new_version(root)
    (staging / "data.txt").write_text(payload, encoding="utf-8")
    return staging


def _versions(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_no_version_before_the_first_commit(tmp_path: Path) -> None:
    assert current_version(tmp_path / "missing") is None
    assert current_version(tmp_path) is None


def test_staging_is_not_live_until_commit(tmp_path: Path) -> None:
    staging = _staged(tmp_path, "one")
    assert staging.parent == tmp_path
    assert current_version(tmp_path) is None
    final = commit(tmp_path, staging)
    assert current_version(tmp_path) == final
    assert not staging.exists()
    assert (final / "data.txt").read_text(encoding="utf-8") == "one"
    assert (tmp_path / CURRENT).read_text(encoding="utf-8").strip() == final.name


def test_commit_keeps_the_previous_version_for_open_readers_then_sweeps_it(tmp_path: Path) -> None:
    first = commit(tmp_path, _staged(tmp_path, "one"))
    second = commit(tmp_path, _staged(tmp_path, "two"))
    assert first != second
    assert current_version(tmp_path) == second
    # a reader that opened `first` just before the swap can still read it
    assert (first / "data.txt").read_text(encoding="utf-8") == "one"
    third = commit(tmp_path, _staged(tmp_path, "three"))
    assert not first.exists()
    assert _versions(tmp_path) == sorted([second.name, third.name])
    assert (third / "data.txt").read_text(encoding="utf-8") == "three"


def test_crashed_build_leftovers_do_not_matter_and_are_swept(tmp_path: Path) -> None:
    live = commit(tmp_path, _staged(tmp_path, "live"))
    # a build that died after staging, and one that died while writing CURRENT
    dead = _staged(tmp_path, "half-written")
    (tmp_path / f".{CURRENT}.99999").write_text("garbage\n", encoding="utf-8")
    assert current_version(tmp_path) == live
    assert (live / "data.txt").read_text(encoding="utf-8") == "live"

    nxt = commit(tmp_path, _staged(tmp_path, "next"))
    assert current_version(tmp_path) == nxt
    assert not dead.exists()
    assert not (tmp_path / f".{CURRENT}.99999").exists()
    assert _versions(tmp_path) == sorted([live.name, nxt.name])


def test_sweep_keeps_unrelated_files(tmp_path: Path) -> None:
    live = commit(tmp_path, _staged(tmp_path, "live"))
    (tmp_path / "README").write_text("mine", encoding="utf-8")
    (tmp_path / "notes").mkdir()
    sweep(tmp_path, keep=live)
    assert (tmp_path / "README").exists() and (tmp_path / "notes").exists()
    assert current_version(tmp_path) == live


@pytest.mark.parametrize("content", ["", "\n", "../elsewhere\n", ".staging-v-1\n", "v-does-not-exist\n"])
def test_current_pointing_nowhere_means_no_index(tmp_path: Path, content: str) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".staging-v-1").mkdir()
    (tmp_path / CURRENT).write_text(content, encoding="utf-8")
    assert current_version(tmp_path) is None


def test_discard_removes_staging(tmp_path: Path) -> None:
    staging = _staged(tmp_path, "x")
    discard(staging)
    assert not staging.exists()


def test_build_lock_refuses_a_second_holder_in_process(tmp_path: Path) -> None:
    with build_lock(tmp_path):
        with pytest.raises(StoreBusy, match=str(tmp_path)):
            with build_lock(tmp_path):
                pass  # pragma: no cover - must not get here
    # released: can be taken again
    with build_lock(tmp_path):
        pass


def test_build_lock_refuses_while_another_process_holds_it(tmp_path: Path) -> None:
    holder = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from embeddings.store import build_lock
        with build_lock(Path({str(tmp_path)!r})):
            print("locked", flush=True)
            sys.stdin.readline()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(StoreBusy):
            with build_lock(tmp_path):
                pass  # pragma: no cover
    finally:
        proc.communicate("\n", timeout=30)
    assert proc.returncode == 0
    with build_lock(tmp_path):  # the holder is gone
        pass
