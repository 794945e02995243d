"""gradlab.viz.capture.recent: the last captures' records stay readable for explain(), keeping no
tensor alive."""
import gc
import weakref

import gradlab as torch
from gradlab.viz import capture
from gradlab.viz.capture import recent_captures_records, recent_names, recent_records
from gradlab.viz.capture.recent import _RECENT


def test_records_stay_findable_after_the_capture_is_dropped():
    with capture() as cap:
        y = torch.tensor([1.0]) > 0
    del cap
    gc.collect()
    assert recent_records(y)[0].op == "__gt__"


def test_a_dropped_capture_keeps_no_tensor_alive_and_forgets_the_gone_ones():
    with capture() as cap:
        kept = torch.ones(2) * 2
        gone = torch.ones(3) * 3
    cap.name_tensors({"kept": kept})
    gone_ref = weakref.ref(gone)
    del cap, gone
    gc.collect()
    assert gone_ref() is None  # the capture is gone: nothing holds the temporary
    with capture():  # a new capture drops the rows of gone tensors from the older ones
        pass
    records = [record for record in recent_captures_records() if record.tensor is kept]
    assert records and records[0].op == "__mul__" and records[0].inputs == ()
    assert records[0].inputs_required_grad == (False,)  # its input (ones(2)) is gone, its flag stays
    assert all(record.tensor is not None for records in _RECENT for record in records.live_records())
    assert recent_records(kept)[0] is records[0] and recent_names(kept) == ["kept"]
