"""Big NumPy arrays kept for reuse, so a training step does not pay the operating system
for fresh memory every time.

The first write to freshly allocated memory costs a page fault per 4 KB page (the
kernel maps and zeroes it).  For a 2 MB activation that is more time than the
arithmetic, and NumPy hands big blocks back to the system when they are freed,
so every step pays again.  (PyTorch avoids this with its own allocator.)

``workspace.empty(shape, dtype)`` returns an array that an earlier call handed
out and that nothing refers to any more — its reference count is back to the
workspace's own — or a new one that is kept for next time.  A result the caller
kept, a view of it, or a graph node that saved it holds a reference, so it is
never handed out twice.  Small arrays are not kept: NumPy and the C allocator
reuse those cheaply already.
"""
import sys
import threading

import numpy as np

_WORTH_KEEPING = 256 * 1024  # bytes: smaller arrays are not kept
_CAPACITY = 256 * 1024 * 1024  # bytes kept at most (the least recently used kinds go first)


def _reference_counts(arrays):
    return [sys.getrefcount(array) for array in arrays]


# What the count of an array held only by the workspace looks like from here (calibrated,
# because interpreters differ in how many temporary references a loop adds).
_UNUSED = _reference_counts([np.empty(0)])[0] if hasattr(sys, "getrefcount") else None


class Workspace:
    """Arrays of each (shape, dtype), handed out again once their users have let go."""

    def __init__(self, capacity=_CAPACITY):
        self._arrays = {}  # (shape, dtype) → list of arrays, least recently used kind first
        self._capacity = capacity
        self._kept = 0  # bytes
        self._lock = threading.Lock()  # two threads must never be handed the same array

    def empty(self, shape, dtype):
        """An uninitialised array, reused when a free one of this shape and dtype exists."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        if _UNUSED is None or int(np.prod(shape, dtype=np.int64)) * dtype.itemsize < _WORTH_KEEPING:
            return np.empty(shape, dtype)
        key = (shape, dtype)
        with self._lock:
            arrays = self._arrays.pop(key, [])
            self._arrays[key] = arrays  # most recently used kind last
            for array, count in zip(arrays, _reference_counts(arrays)):
                if count <= _UNUSED:
                    return array
            array = np.empty(shape, dtype)
            arrays.append(array)
            self._kept += array.nbytes
            self._forget_oldest()
            return array

    def zeros(self, shape, dtype):
        array = self.empty(shape, dtype)
        array.fill(0)
        return array

    def _forget_oldest(self):
        while self._kept > self._capacity:
            oldest = next(iter(self._arrays))
            arrays = self._arrays[oldest]
            self._kept -= arrays.pop(0).nbytes
            if not arrays:
                del self._arrays[oldest]

    def clear(self):
        """Let go of every kept array (their memory returns to the system once unused)."""
        with self._lock:
            self._arrays.clear()
            self._kept = 0


workspace = Workspace()
