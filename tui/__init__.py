"""The Textual chat over a corpus (see the TUI issue); it calls only qa's public functions."""
