"""The last few captures' records, still readable after their cell ended: what ``explain()`` asks.

A capture registers its ``Records`` here when it starts; the last eight stay.
Their references are weak once their capture ends, so they keep no tensor
alive, and rows whose tensor is gone are dropped (``forget_gone``).
"""
import collections

_RECENT = collections.deque(maxlen=8)  # the last captures' Records, oldest first


def remember(records):
    """Keep ``records`` findable (a capture that starts)."""
    if not any(known is records for known in _RECENT):
        _RECENT.append(records)


def forget_gone(keep):
    """Drop the rows of gone tensors from every store but ``keep`` (they cannot be asked about)."""
    for position, records in enumerate(_RECENT):
        if records is not keep:
            compact = records.compacted()
            if compact is not None:
                _RECENT[position] = compact


def recent_records(tensor):
    """The records of ``tensor`` in the last few captures (newest first)."""
    result = []
    for records in reversed(_RECENT):
        record = records.record_of(tensor)
        if record is not None:
            result.append(record)
    return result


def recent_backward_calls():
    """The backward()/grad() calls seen by the last few captures, newest first."""
    return [call for records in reversed(_RECENT) for call in reversed(records.backward_calls)]


def recent_names(tensor):
    """Names given to ``tensor`` by the last captures' ``name_tensors``."""
    for records in reversed(_RECENT):
        ref = records.name_refs.get(id(tensor))
        if ref is not None and ref() is tensor:
            names = records.names.get(id(tensor), [])
            if names:
                return names
    return []


def recent_captures_records():
    """Every record of the last few captures whose tensor is alive, oldest first."""
    return [record for records in _RECENT for record in records.live_records()]
