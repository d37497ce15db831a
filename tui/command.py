"""``qa tui``: registered with the ``qa`` command line through the ``qa.commands`` entry point,
so the core never imports the UI. Textual loads only when the chat opens."""

from __future__ import annotations

import os
import sys
import threading

import click

from qa.cli import corpus_options, engine_for, folder_argument


@click.command("tui")
@corpus_options
@folder_argument
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Rebuild the index by itself when files in the corpus change.")
def tui(corpus, index, model, watch) -> None:
    """Open the chat over the corpus: ask, read answers in their files, follow up, rebuild."""
    from tui.app import create_app

    app = create_app(engine_for(corpus, index, model), watch=watch)
    app.run()
    code = app.return_code or 0
    if any(t.is_alive() for t in threading.enumerate() if t is not threading.main_thread()):
        # a model load or a build still running in a thread cannot be interrupted; the index
        # is replaced atomically, so leaving now loses nothing
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
