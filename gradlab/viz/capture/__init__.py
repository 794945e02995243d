"""Capture: record the tensors a piece of code creates, in order, with the op and line that made each.

::

    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
    cap.records        # [Record(op='tensor', line=2, ...), Record(op='__pow__', line=3, ...)]
    cap.records[1].expression     # 'x ** 2'
    cap.name_tensors(globals())   # {id(x): ['x'], id(y): ['y']}

One module per part:

- ``recorder``: ``Capture``, the observer the engine calls with every tensor
  it makes; it finds the op and the user's line on the call stack;
- ``records``: what a capture knows, kept as columns (``Records``), and
  ``Record``, one tensor's row as an object;
- ``source``: the user's line and expression behind a record (Python 3.11+
  columns), with ``bytecode``: the same expression found on Python 3.10;
- ``names``: which variables hold which tensors;
- ``recent``: the last captures' records, for ``explain()`` after a cell.

A capture keeps the tensors it recorded alive (so a cell's temporaries can be
drawn with their values) up to ``keep_bytes`` of tensor data; past that, and
once the capture is dropped, its records hold weak references only.
"""
from .names import name_tensors
from .recent import recent_backward_calls, recent_captures_records, recent_names, recent_records
from .recorder import Capture, capture
from .records import BackwardCall, Change, Record, Records
from .source import source_span

__all__ = ["BackwardCall", "Capture", "Change", "Record", "Records", "capture", "name_tensors",
           "recent_backward_calls", "recent_captures_records", "recent_names", "recent_records",
           "source_span"]
