"""The ``qa`` command line: index, status, ask, eval.

Exit codes: 0 success; 1 the question has no confident answer in the corpus (``ask`` with a
single question); 2 usage error (bad option, missing argument, bad path); 3 runtime error (a
one-line message on stderr); 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from qa import __version__
from qa.safe import clean_question, terminal_safe, terminal_safe_line  # corpus text is data: shown, never run

EXIT_OK, EXIT_NO_ANSWER, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Failure(click.ClickException):
    """A runtime error: one line on stderr, exit 3."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"qa: error: {self.format_message()}", err=True)


def engine_for(corpus: Path | None, index: Path | None, model: str | None):
    """The Engine for the common --corpus/--index/--model options (a usage error if no corpus)."""
    from qa.config import default_corpus, default_index
    from qa.engine import Engine

    corpus = corpus or default_corpus()
    if not corpus.is_dir():
        raise click.BadParameter(
            f"corpus folder not found: {corpus} (pass --corpus DIR or set QA_CORPUS)",
            param_hint="--corpus",
        )
    return Engine(corpus=corpus, root=index or default_index(corpus), model=model)


def corpus_options(f):
    f = click.option(
        "--model", envvar="QA_MODEL", metavar="PATH",
        help="Local sentence-transformers model folder (default: bundled all-MiniLM-L6-v2).",
    )(f)
    f = click.option(
        "--index", "index", envvar="QA_INDEX", type=click.Path(file_okay=False, path_type=Path),
        help="Index folder (default: in the user cache dir, one per corpus; env QA_INDEX).",
    )(f)
    f = click.option(
        "--corpus", envvar="QA_CORPUS", type=click.Path(file_okay=False, path_type=Path),
        help="Folder of documents (default: ./corpus, else the bundled sample; env QA_CORPUS).",
    )(f)
    return f


def folder_argument(f):
    """An optional FOLDER argument that says what ``--corpus`` says (``qa index ~/papers``): the
    way people point a tool at a folder. Given both, they must agree."""

    @functools.wraps(f)
    def wrapper(*args, folder: Path | None = None, corpus: Path | None = None, **kwargs):
        ctx = click.get_current_context()
        typed = ctx.get_parameter_source("corpus") == click.core.ParameterSource.COMMANDLINE
        if folder is not None and corpus is not None and typed and folder.resolve() != corpus.resolve():
            raise click.UsageError(f"two corpus folders given: {folder} and --corpus {corpus}; give one")
        return f(*args, corpus=folder if folder is not None else corpus, **kwargs)

    path = click.Path(file_okay=False, path_type=Path)
    return click.argument("folder", required=False, metavar="[FOLDER]", type=path)(wrapper)


class _Bar:
    """A tqdm bar on stderr per build stage, shown only for work that takes more than a moment."""

    LABELS = {"read": "reading", "embed": "embedding", "index": "indexing", "cluster": "reading and embedding on Ray"}

    def __init__(self) -> None:
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "passages" and self.bar is not None:  # a Ray build: passages embedded so far
            self.bar.set_postfix_str(f"{done:,} passages", refresh=False)
        if stage not in self.LABELS:
            return
        if stage != self.stage:
            self.close()
            from tqdm import tqdm

            self.stage = stage
            self.bar = tqdm(
                total=total, desc=self.LABELS[stage], unit=" texts" if stage == "embed" else " files",
                file=sys.stderr, delay=0.5, leave=False, dynamic_ncols=True, disable=None,
            )
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _warn(message: str) -> None:
    click.echo(f"qa: warning: {terminal_safe_line(message)}", err=True)


def _build(engine, full: bool = False, **reading):
    """Build with a progress bar; ``reading`` (follow_links, max_file_bytes) as `qa index` gives them."""
    bar = _Bar()
    try:
        return engine.build(full=full, progress=bar, warn=_warn, **reading)
    finally:
        bar.close()


def _ensure_index(engine) -> None:
    """Build the index on first use; warn when the corpus changed since the last build."""
    if not engine.has_index():
        click.echo(f"qa: no index yet for {engine.corpus}; building it now", err=True)
        _build(engine)
        return
    status = engine.status()
    n = len(status.added) + len(status.changed) + len(status.removed)
    if n:
        _warn(f"{n} file(s) changed since the index was built; run `qa index` to update it")


class _Commands(click.Group):
    """The core's commands, plus those other packages register under the ``qa.commands``
    entry point (the chat UI's ``qa tui``), loaded only when named: the core never imports
    the UI, and a command that is not run costs nothing."""

    def _plugins(self) -> dict:
        from importlib.metadata import entry_points

        return {ep.name: ep for ep in entry_points(group="qa.commands") if ep.name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, *self._plugins()])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        ep = self._plugins().get(name)
        if ep is None:
            return None
        try:
            return ep.load()
        except Exception as exc:  # a broken plugin must not take the CLI down
            raise click.ClickException(f"command {name!r} is unavailable: {exc}") from None


@click.group(cls=_Commands, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qa")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Ask questions of a folder of documents; answers are quotes from them, with citations.

    With no command, in a terminal, opens the chat (`qa tui`).

    \b
      qa tui ~/papers                the chat: ask, read sources, follow up
      qa index ~/papers              build, or update only what changed
      qa status ~/papers             what changed since the last build
      qa ask "How much did the council invest?"
      qa show "report.pdf p.3"       the text an answer's citation points into
      qa eval questions.jsonl --corpus DIR
    """
    if ctx.invoked_subcommand is None:
        chat = main.get_command(ctx, "tui")
        if chat is not None and sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(chat, model=os.environ.get("QA_MODEL") or None)
        else:  # piped or scripted, or no chat installed: there is nobody to chat with
            click.echo(ctx.get_help())


@main.command("index")
@corpus_options
@folder_argument
@click.option("--full", is_flag=True, help="Rebuild everything, not only what changed.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option("--follow-links", "follow_links", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Follow symbolic links that lead into DIR or into the corpus (repeatable; kept for later builds).")
@click.option("--no-follow-links", is_flag=True, help="Stop following symbolic links (the default).")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), metavar="MB",
              help="Skip files larger than this (default: 10 for text, 20 for HTML, 500 for PDF and Word; "
                   "kept for later builds).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="", default=None, metavar="[ADDRESS]",
              help="Read and embed on a Ray cluster (HOST:PORT, else $QA_RAY_ADDRESS, else a local Ray "
                   "on this machine's cores); needs pip install '.[ray]'.")
def index_cmd(corpus, index, model, full, as_json, follow_links, no_follow_links, max_file_mb, ray_address) -> None:
    """Build the index, or update it: only new and changed files are embedded."""
    engine = engine_for(corpus, index, model)
    if follow_links and no_follow_links:
        raise click.UsageError("give --follow-links or --no-follow-links, not both")
    reading = {}
    if follow_links or no_follow_links:
        reading["follow_links"] = tuple(follow_links)
    if max_file_mb is not None:
        reading["max_file_bytes"] = int(max_file_mb * 1_000_000)
    if ray_address is not None:
        summary = _build_on_ray(engine, ray_address or os.environ.get("QA_RAY_ADDRESS") or None, full, reading)
    else:
        summary = _build(engine, full=full, **reading)
    if as_json:
        click.echo(json.dumps(summary.to_json()))
    else:
        click.echo(
            f"indexed {engine.corpus}: {summary.added} added, {summary.changed} changed, "
            f"{summary.removed} removed, {summary.unchanged} unchanged; "
            f"{summary.chunks_embedded} chunks embedded in {summary.seconds:.1f}s\n"
            f"index: {engine.root}"
        )


def _build_on_ray(engine, address: str | None, full: bool, reading: dict):
    """`qa index --ray`: the build's reading and embedding on a Ray cluster (qa/ray_build.py)."""
    from qa import ray_build

    bar = _Bar()
    try:
        summary, _ = ray_build.build(engine.corpus, engine.root, engine.model_name(), address=address,
                                     full=full, progress=bar, warn=_warn, **reading)
    except ray_build.RayMissing as exc:  # a usage error (exit 2), in one line
        failure = Failure(str(exc))
        failure.exit_code = EXIT_USAGE
        raise failure from None
    finally:
        bar.close()
    return summary


REREAD_SHOWN = 3  # files named on `qa status`'s line of files read again


@main.command("status")
@corpus_options
@folder_argument
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def status_cmd(corpus, index, model, as_json) -> None:
    """What changed in the corpus since the last build (loads no model)."""
    engine = engine_for(corpus, index, model)
    st = engine.status()
    if as_json:
        click.echo(json.dumps({
            "corpus": str(engine.corpus), "index": str(engine.root), "indexed": st.has_index,
            "stale": st.stale, "added": list(st.added), "changed": list(st.changed),
            "removed": list(st.removed), "unchanged": len(st.unchanged), "skipped": list(st.skipped),
            "reread": list(st.reread),
        }))
        return
    if not st.has_index:
        click.echo(f"no index for {engine.corpus} yet; `qa index` builds it ({len(st.added)} files to index)")
        return
    again = set(st.reread)
    for label, names in (("added", st.added), ("changed", st.changed), ("removed", st.removed),
                         ("skipped", st.skipped)):
        for name in names:
            if name not in again:
                click.echo(f"{label:8} {terminal_safe_line(name)}")
    if st.reread:  # one line, not one a file: after an upgrade they may be every file of a format
        first = ", ".join(terminal_safe_line(n) for n in st.reread[:REREAD_SHOWN])
        more = f" and {len(st.reread) - REREAD_SHOWN:,} more" if len(st.reread) > REREAD_SHOWN else ""
        files = "1 file" if len(st.reread) == 1 else f"{len(st.reread):,} files"
        click.echo(f"{'changed':8} {files} unchanged, but this qa reads their format better (read again): {first}{more}")
    if st.stale:
        click.echo("run `qa index` to update the index")
    else:
        click.echo(f"up to date: {len(st.unchanged)} files indexed")


def _print_result(result, verbose_context: bool = False) -> None:
    from qa.highlight import citation, shown_span

    q = result.question
    shown = q if len(q) <= 500 else f"{q[:300]}… ({len(q):,} characters)"
    click.echo(f"Q: {terminal_safe_line(shown)}")
    if result.read_as:  # a mistyped word read as the corpus's (qa.spelling)
        click.echo(f"  (read as: {terminal_safe_line(result.read_as)})")
    if result.asked_nothing:  # "thanks!": nothing was searched
        click.echo(f"  {result.why_declined()}")
        return
    if not result.answers:
        click.echo("  No answer found in the corpus.")
        return
    why = result.why_declined()
    if why:
        click.echo(f"  No answer in the corpus. {terminal_safe_line(why)} The nearest passages:")
    elif not result.answered:
        click.echo("  No confident answer in the corpus. The nearest passages:")
    for i, a in enumerate(result.answers, 1):
        cite = citation(a.source, a.line, a.page, a.section)
        also = f"  (also in {', '.join(a.also_in)})" if a.also_in else ""
        span = None if a.span is None else (a.span[0] - a.start, a.span[1] - a.start)
        quote, span = shown_span(a.text, span)  # a README as its page shows it (--json: as written)
        head = click.style(f"{i:>2}.", bold=True)
        if span is not None:  # the short answer inside the quote, in bold
            x, y = span
            shown_quote = terminal_safe(quote[:x]) + click.style(terminal_safe(quote[x:y]), bold=True) + terminal_safe(quote[y:])
        else:
            shown_quote = terminal_safe(quote)
        click.echo(f"{head} \u201c{shown_quote}\u201d")
        click.echo(click.style(f"    {terminal_safe_line(cite)}{terminal_safe_line(also)}   score {a.score:.2f}", dim=True))
    click.echo("")


@main.command("ask")
@click.argument("question", required=False)
@corpus_options
@click.option("-k", "k", default=None, type=click.IntRange(1, 50),
              help="How many answers (default 5; for a statement, the best passage of 10 files).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object, or one line per question with --batch.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
              help="A JSON-lines file of questions (shared/eval format); - reads them from standard input, "
                   "each answered as its line comes.")
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True)
@click.option("--reader/--no-reader", "use_reader", default=None,
              help="Rank the candidates with the reader model (the default) or with the feature ranker alone.")
def ask_cmd(question, corpus, index, model, k, as_json, batch, retriever, use_reader) -> None:
    """Answer QUESTION with quotes from the corpus, each citing file and line."""
    if (question is None) == (batch is None):
        raise click.UsageError("give a QUESTION or --batch FILE (one of the two)")
    if question is not None:
        question = clean_question(question)
        if not question.strip():
            raise click.BadParameter("the question is empty", param_hint="QUESTION")
    engine = engine_for(corpus, index, model)
    questions = None
    if batch:
        from qa.evaluation import load_questions, read_questions

        questions = read_questions(_stdin_lines(), "<stdin>") if str(batch) == "-" else load_questions(batch)
    _ensure_index(engine)
    if questions is None:
        params = _params(use_reader)
        result = engine.ask(question, k=k, mode=retriever, params=params)
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            _print_result(result)
        sys.exit(EXIT_OK if result.answered else EXIT_NO_ANSWER)
    for q in questions:
        history = [clean_question(h) for h in q.history]
        qid = clean_question(q.id) if q.id else None
        result = engine.ask_in_conversation(clean_question(q.question), history, k=k, mode=retriever, qid=qid,
                                            params=_params(use_reader))
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False), nl=True)
            sys.stdout.flush()
        else:
            _print_result(result)


def _stdin_lines():
    """Standard input's lines as they come, split on "\n" alone (a question may hold U+2028)."""
    from qa.errors import QAError

    for n, raw in enumerate(click.get_binary_stream("stdin"), 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QAError(f"<stdin>:{n}: not UTF-8 ({exc.reason})") from None


def _params(use_reader: bool | None):
    """The answer settings, with the reader on or off where the user said (else the default)."""
    from qa.answers import AnswerParams

    return AnswerParams() if use_reader is None else AnswerParams(reader=use_reader)


@main.command("show")
@click.argument("source")
@corpus_options
@click.option("--page", type=click.IntRange(min=1), help="Only this page (PDF).")
@click.option("--start", type=click.IntRange(min=0), help="Only the text from this offset...")
@click.option("--end", type=click.IntRange(min=0), help="...up to this one (an answer's start and end).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: source, offsets, start, end, page_starts, sections, text.")
def show_cmd(source, corpus, index, model, page, start, end, as_json) -> None:
    """Print the text of SOURCE as it was indexed: what an answer's start and end index.

    For PDF, HTML and Word files this is the text extracted from them (`"offsets": "extracted"`),
    so `text == shown[start:end]` for every answer from SOURCE. SOURCE is a path relative to the
    corpus, or a citation as `qa ask` prints it ("report.pdf p.3" shows page 3).
    """
    engine = engine_for(corpus, index, model)
    if not engine.has_index():
        raise Failure(f"no index for {engine.corpus} yet; run `qa index` to build it")
    idx = engine.index
    number, cited_page = _find_source(idx, engine.corpus, source)
    entry = idx.files[number]
    text = idx.doc_text(number)
    page = page or cited_page
    a, b = 0, len(text)
    if page is not None:
        pages = entry.page_starts
        if not pages:
            raise click.BadParameter(f"{source} has no pages", param_hint="--page")
        if page > len(pages):
            raise click.BadParameter(f"{entry.source} has {len(pages)} page(s)", param_hint="--page")
        a, b = pages[page - 1], pages[page] if page < len(pages) else len(text)
    a, b = max(a, start or 0), min(b, len(text) if end is None else end)
    b = max(a, b)
    _warn_if_changed(engine.corpus, entry)
    if as_json:
        click.echo(json.dumps({
            "source": entry.source, "offsets": entry.offsets, "start": a, "end": b,
            "page_starts": list(entry.page_starts),
            "sections": [{"start": s, "level": lvl, "title": t} for s, lvl, t in entry.sections],
            "text": text[a:b],
        }, ensure_ascii=False))
        return
    shown = text[a:b]
    if sys.stdout.isatty():  # for people: control characters made visible, one for one
        click.echo(terminal_safe(shown), nl=not shown.endswith("\n"))
    else:  # for scripts: exactly the indexed characters
        sys.stdout.write(shown)
        sys.stdout.flush()


def _find_source(idx, corpus: Path, source: str) -> tuple[int, int | None]:
    """The index's file for SOURCE (a corpus-relative path, a path, or a citation) and a page."""
    import re

    page = None
    wanted = source.split(" \u00a7 ", 1)[0].strip()  # a citation's section
    if wanted not in idx.by_source:
        m = re.fullmatch(r"(.+?)(?: p\.(\d+)|:(\d+))", wanted)
        if m and m.group(1) in idx.by_source:
            wanted, page = m.group(1), int(m.group(2)) if m.group(2) else None
    if wanted not in idx.by_source:
        try:
            rel = Path(wanted).resolve().relative_to(corpus.resolve()).as_posix()
        except (ValueError, OSError):
            rel = wanted
        wanted = rel
    if wanted not in idx.by_source:
        raise click.BadParameter(
            f"{source} is not in the index of {corpus} ({len(idx.files)} files; `qa status` lists changes)",
            param_hint="SOURCE",
        )
    return idx.by_source[wanted], page


def _same_bytes(path: Path, entry) -> bool:
    import hashlib

    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return False
    return h.hexdigest() == entry.sha256


def _warn_if_changed(corpus: Path, entry) -> None:
    try:
        st = (corpus / entry.source).stat()
    except OSError:
        _warn(f"{entry.source} is no longer in the corpus; this is the text indexed from it")
        return
    if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns) and not _same_bytes(corpus / entry.source, entry):
        _warn(f"{entry.source} changed since the index was built; this is the text indexed then "
              "(`qa index` updates it)")


@main.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@corpus_options
@click.option("-k", "k", default=None, type=click.IntRange(1, 50),
              help="How many answers (default 5; for a statement, the best passage of 10 files).")
@click.option("--retriever", "retrievers", multiple=True,
              type=click.Choice(["hybrid", "dense", "bm25", "all"]),
              help="Retriever(s) to measure; repeat, or `all` for the three plus hybrid ranked the other way "
                   "(without the reader, or with it under --no-reader) in one run (default hybrid).")
@click.option("--reader/--no-reader", "use_reader", default=None,
              help="Rank with the reader model (the default) or with the feature ranker alone.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write each answer (the `ask --batch --json` lines) to this file.")
def eval_cmd(questions, corpus, index, model, k, retrievers, as_json, results, use_reader) -> None:
    """Measure answer accuracy, source recall, nDCG@10, abstention and latency on QUESTIONS."""
    from qa.answers import AnswerParams
    from qa.evaluation import load_questions, score

    qs = load_questions(questions)
    if not qs:
        raise click.BadParameter(f"no questions in {questions}", param_hint="QUESTIONS")
    engine = engine_for(corpus, index, model)
    if not engine.has_index():
        click.echo(f"qa: building the index for {engine.corpus}", err=True)
    _build(engine)  # bring the index up to date; a no-op when nothing changed
    reading = AnswerParams().reader if use_reader is None else use_reader
    other = RANKER_ONLY if reading else WITH_READER  # the column that shows what the reader does
    modes = ["hybrid", "dense", "bm25", other] if "all" in retrievers else list(dict.fromkeys(retrievers or ["hybrid"]))
    engine.warm()  # load the model and index before the clock starts
    out = {}
    from tqdm import tqdm

    for mode in modes:
        res = []
        for q in tqdm(qs, desc=f"eval {mode}", file=sys.stderr, delay=1.0, leave=False, disable=None):
            retriever = "hybrid" if mode in (WITH_READER, RANKER_ONLY) else mode
            params = AnswerParams(reader={WITH_READER: True, RANKER_ONLY: False}.get(mode, reading))
            res.append(engine.ask_in_conversation(q.question, q.history, k=k, mode=retriever, qid=q.id or None, params=params))
        if results and mode == modes[0]:
            with open(results, "w", encoding="utf-8") as fh:
                for r in res:
                    fh.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
        out[mode] = score(qs, res)
    if as_json:
        payload = {m: v.to_json() for m, v in out.items()}
        click.echo(json.dumps(payload if len(modes) > 1 else payload[modes[0]]))
        return
    _print_metrics(out, questions)


WITH_READER = "reader"  # the eval column: hybrid retrieval ranked by the reader (with --no-reader)
RANKER_ONLY = "ranker"  # the eval column: hybrid retrieval ranked by the feature ranker alone


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def _print_metrics(out: dict, path: Path) -> None:
    first = next(iter(out.values()))
    click.echo(f"{path}: {first.questions} questions ({first.answerable} answerable, {first.unanswerable} unanswerable)")
    rows = [
        ("answer accuracy @1", "acc_at_1"), ("answer accuracy @5", "acc_at_5"), ("answer MRR", "mrr"),
        ("source recall @1", "source_recall_at_1"), ("source recall @5", "source_recall_at_5"),
        ("nDCG@10 (files)", "ndcg_at_10"), ("abstained on unanswerable", "abstained_on_unanswerable"),
        ("wrongly abstained", "false_abstain"), ("mixed accuracy", "mixed_accuracy"),
    ]
    modes = list(out)
    click.echo(f"{'':28}" + "".join(f"{m:>10}" for m in modes))
    for label, key in rows:
        click.echo(f"{label:28}" + "".join(f"{_fmt(getattr(out[m], key)):>10}" for m in modes))
    click.echo(f"{'latency p50 / p95 (ms)':28}" + "".join(
        f"{out[m].latency_ms_p50:>5.0f}/{out[m].latency_ms_p95:<4.0f}" for m in modes))
    click.echo(f"{'declined: a name not in file':28}" + "".join(f"{out[m].declined_for_names:>10}" for m in modes))
    click.echo(f"{'declined: no number given':28}" + "".join(f"{out[m].declined_for_quantity:>10}" for m in modes))
    click.echo(f"{'declined: no such title':28}" + "".join(f"{out[m].declined_for_title:>10}" for m in modes))
    wrong = first.wrong
    if wrong:
        shown = ", ".join(wrong[:10]) + (" ..." if len(wrong) > 10 else "")
        click.echo(f"not right at rank 1 ({modes[0]}): {len(wrong)}: {shown}")


@main.command("watch")
@corpus_options
@folder_argument
@click.option("--quiet-period", "quiet", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              metavar="SECONDS", help="Rebuild once no file has changed for this long.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per rebuild.")
def watch_cmd(corpus, index, model, quiet, as_json) -> None:
    """Keep the index up to date: rebuild what changed whenever files in the corpus change.

    Brings the index up to date first, then prints one line per rebuild (what changed, how
    long it took). Other processes (`qa ask`) use each new index as soon as it is built.
    Ctrl-C stops it.
    """
    import signal
    import time

    from qa.watch import keep_indexed

    engine = engine_for(corpus, index, model)
    bar = _Bar()
    warned: set[str] = set()

    def warn_once(text: str) -> None:
        if text not in warned:  # every rebuild reports the files it skips: say each once
            warned.add(text)
            bar.close()
            _warn(text)

    def rebuilt(done) -> None:
        bar.close()
        if as_json:
            click.echo(json.dumps(done.to_json(), ensure_ascii=False))
        else:
            click.echo(f"{time.strftime('%H:%M:%S')}  {terminal_safe_line(done.line())}")
        sys.stdout.flush()

    def failed(exc: Exception) -> None:
        bar.close()
        _warn(f"rebuild failed, the previous index stays live: {exc}")

    def stop_on_term(_signum, _frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_term)
    click.echo(f"qa: watching {engine.corpus} (index: {engine.root}); Ctrl-C stops", err=True)
    try:
        keep_indexed(engine, rebuilt, failed, quiet=quiet, progress=bar, warn=warn_once)
    except KeyboardInterrupt:
        bar.close()
        click.echo("qa: stopped watching", err=True)


def run() -> None:
    """Console entry point: errors become one line on stderr and a documented exit code."""
    from qa.errors import QAError

    try:
        main.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code else EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("qa: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("\nqa: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except QAError as exc:
        click.echo(f"qa: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"qa: error: {exc.strerror or exc}{where}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug: still one line, with a way to see the traceback
        if os.environ.get("QA_DEBUG"):
            raise
        click.echo(f"qa: internal error: {type(exc).__name__}: {exc} (set QA_DEBUG=1 for details)", err=True)
        sys.exit(EXIT_ERROR)
