"""qa: extractive question answering over a folder of documents, offline."""

__version__ = "0.1.0"
