"""The embedding model and the on-disk vector index: no knowledge of documents or answers."""
