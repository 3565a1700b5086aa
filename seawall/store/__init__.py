"""Stores behind one interface; the embedded store is the default."""

from seawall.store.embedded import EmbeddedStore, StoredInput, file_sha256

__all__ = ["EmbeddedStore", "StoredInput", "file_sha256"]
