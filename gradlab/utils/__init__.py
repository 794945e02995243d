"""``gradlab.utils``: helpers around the engine (``utils.data``: datasets and batching)."""
from . import data

__all__ = ["data"]
