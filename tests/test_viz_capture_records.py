"""gradlab.viz.capture.records: what a capture knows, kept as columns; Record, one row as an object."""
import gc
import weakref

import gradlab as torch
from gradlab.viz import capture
from gradlab.viz.capture import Record


def test_rows_are_columns_of_plain_values_and_records_are_made_only_when_asked():
    w = torch.tensor([0.5], requires_grad=True)  # made before the capture: an outside input
    with capture() as cap:
        y = w * 2
        for _ in range(50):
            y = y * w + 1.0
    store = cap.store
    assert len(store) == len(cap) == 101 and not store._views  # no Record yet
    gc.collect()
    columns = (store.ops, store.codes, store.lastis, store.grad_enabled, store.calls, store.shapes,
               store.dtypes, store.input_ends, store.input_keys, store.input_required)
    assert not any(gc.is_tracked(value) for column in columns for value in column)
    assert store.shapes[0] is store.shapes[-1]  # equal shapes share one tuple
    first, second = cap.records[0], cap.records[1]
    assert isinstance(first, Record) and cap.records[0] is first and cap.record_of(y) is cap.records[-1]
    assert first.inputs == (w,) and second.inputs == (first.tensor, w)
    assert store.input_keys[:1] == [-1] and store.outside[0]() is w  # w: the first outside tensor
    assert second.inputs_required_grad == (True, True) and second.index == 1 and second.created


def test_when_the_capture_ends_its_references_become_weak():
    with capture() as cap:
        temporary = torch.ones(3) * 2
        kept = temporary + 1
    assert all(ref.__class__ is weakref.ref for ref in cap.store.refs) and cap.store.released
    assert [id(t) for t in cap.tensors] == [id(t) for t in cap._kept]  # the capture holds them
    assert cap.has_tensors and kept is not None


def test_compacted_records_drop_gone_rows_and_keep_what_the_live_ones_say():
    with capture() as cap:
        a = torch.ones(2)
        b = a * 2
        with torch.no_grad():
            a += b  # an in-place change of a, with b as its input
        c = (b + 1).sum()
    store = cap.store
    del cap
    gone = weakref.ref(b)
    del b
    gc.collect()
    assert gone() is None
    compact = store.compacted()
    assert compact is not None and len(compact) < len(store) and compact.compacted() is None
    (record_a,) = [r for r in compact.live_records() if r.tensor is a]
    assert record_a.index == 0 and record_a.op == "ones" and [ch.op for ch in record_a.changes] == ["__iadd__"]
    (record_c,) = [r for r in compact.live_records() if r.tensor is c]
    assert record_c.index == len(store) - 1 and record_c.op == "sum" and record_c.inputs == ()
    assert record_c.inputs_required_grad == (False,)  # its input (b + 1) is gone; its flag stays
