"""Errors the core raises for conditions a user can fix; the CLI turns them into one line."""


class QAError(Exception):
    """A runtime error with a message fit to show a user as it is."""


class CorpusError(QAError):
    """The corpus folder is missing, unreadable or holds nothing to index."""


class BadIndex(QAError):
    """The index is missing, damaged, or built in a way this version cannot use."""


class UnreadableFile(QAError):
    """A single file was skipped; the build goes on."""
