"""An answer in its file: the document scrolled to the cited line, the quote highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.highlight import match_spans
from qa.records import Answer
from tui.text import plain, terminal_safe
from tui.widgets.answer_card import cite, clipboard_text

QUOTE_STYLE = "bold black on #e5c07b"
WINDOW = 20_000  # characters shown each side of the quote: a long document stays quick to scroll
WORD_STYLE = "bold underline black on #e5c07b"


def locate(text: str, answer: Answer) -> tuple[tuple[int, int] | None, str | None]:
    """Where the quote is in ``text``: its recorded offsets, or where it moved to if the file changed.

    Returns ``(span, note)``; ``span`` is None when the quote is no longer in the text.
    """
    if 0 <= answer.start < answer.end <= len(text) and text[answer.start : answer.end] == answer.text:
        return (answer.start, answer.end), None
    found = [i for i in _find_all(text, answer.text)]
    if found:
        start = min(found, key=lambda i: abs(i - answer.start))
        return (start, start + len(answer.text)), "The file changed since this answer; the quote is shown where it is now."
    return None, "The file changed since this answer; the quote is no longer in it."


def _find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle) if needle else -1
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


class SourceScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back to the chat"),
        Binding("c,ctrl+y", "copy", "Copy answer"),
        Binding("home", "top", "Top", show=False),
        Binding("end", "bottom", "Bottom", show=False),
    ]

    def __init__(self, answer: Answer, question: str, text: str) -> None:
        super().__init__()
        self.answer = answer
        self.question = question
        self.span, self.note = locate(text, answer)
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="source-title", markup=False)
        if self.note:
            yield Static(Text(self.note), id="source-note", markup=False)
        before, cited, after = self._parts()
        with VerticalScroll(id="document"):
            if before is not None:
                yield Static(before, id="before", markup=False)
            yield Static(cited, id="cited", markup=False)
            if after is not None:
                yield Static(after, id="after", markup=False)
        yield Footer()

    def _title(self) -> Text:
        title = Text.assemble(plain(cite(self.answer), "bold"), f"   score {self.answer.score:.2f}")
        line = None if self.span is None else self.text.count("\n", 0, self.span[0]) + 1
        if line is not None and line != self.answer.line:
            title.append(f"   (now at line {line})", "bold")
        if self.answer.offsets == "extracted":  # a PDF, web page or Word file: its text, as indexed
            title.append("   the text extracted from it", "italic")
        if self.answer.also_in:
            title.append("   also in ")
            title.append(plain(", ".join(self.answer.also_in), "italic"))
        return title

    def _parts(self) -> tuple[Text | None, Text, Text | None]:
        """The text before the cited lines, the cited lines (quote highlighted), the text after."""
        text = self.text
        if self.span is None:
            return None, plain(text), None
        start, end = self.span
        lo = text.rfind("\n", 0, start) + 1
        hi = text.find("\n", end)
        hi = len(text) if hi < 0 else hi
        cited = plain(text[lo:hi])
        cited.stylize(QUOTE_STYLE, start - lo, end - lo)
        for a, b in match_spans(self.question, text[start:end]):
            cited.stylize(WORD_STYLE, start - lo + a, start - lo + b)
        before = after = None
        if lo > 0:
            first = 0 if lo <= WINDOW else text.find("\n", lo - WINDOW) + 1
            before = Text(terminal_safe(text[first : lo - 1]))
            if first:
                lines = text.count("\n", 0, first)
                before = Text.assemble((f"[{lines} earlier lines not shown]\n", "dim italic"), before)
        if hi < len(text):
            last = len(text) if len(text) - hi <= WINDOW else text.rfind("\n", 0, hi + WINDOW)
            after = Text(terminal_safe(text[hi + 1 : last]))
            if last < len(text):
                after.append(f"\n[{text.count(chr(10), last) } more lines not shown]", "dim italic")
        return before, cited, after

    def on_mount(self) -> None:
        self.call_after_refresh(self._scroll_to_quote)

    def _scroll_to_quote(self) -> None:
        document = self.query_one("#document", VerticalScroll)
        document.scroll_to_center(self.query_one("#cited"), animate=False, immediate=True)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(clipboard_text(self.answer))
        self.notify(f"Copied the answer from {cite(self.answer)}", markup=False, timeout=3)

    def action_top(self) -> None:
        self.query_one("#document", VerticalScroll).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#document", VerticalScroll).scroll_end(animate=False)
