"""Dependencies point one way: tui -> qa -> embeddings; the core never imports textual."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from conftest import ROOT

CORE_MODULES = (
    "qa.cli, qa.engine, qa.answers, qa.indexing, qa.index, qa.retrieval, qa.lexical, qa.chunking, "
    "qa.documents, qa.evaluation, qa.config, qa.records, qa.readers, "
    "embeddings.model, embeddings.store, embeddings.vectors"
)


def _imports(package: str) -> dict[str, set[str]]:
    """Top-level module names each file of ``package`` imports (anywhere in the file)."""
    out: dict[str, set[str]] = {}
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    for path in files:
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


def test_core_imports_without_textual() -> None:
    code = (
        f"import sys, {CORE_MODULES}\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui')))\n"
        "assert not bad, bad\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr


def test_importing_the_cli_loads_no_model_library() -> None:
    """`qa status` and `qa --help` stay fast: torch and sentence-transformers load only on demand."""
    code = (
        "import sys, qa.cli, qa.engine, qa.indexing, qa.answers\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))\n"
        "assert not bad, bad[:5]\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("package, forbidden", [("embeddings", {"qa", "tui", "textual"}), ("qa", {"tui", "textual"})])
def test_source_imports_point_one_way(package: str, forbidden: set[str]) -> None:
    offenders = {f: sorted(names & forbidden) for f, names in _imports(package).items() if names & forbidden}
    assert offenders == {}
