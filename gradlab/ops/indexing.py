"""Indexing: ``t[...]`` and ``t[...] = value``."""
