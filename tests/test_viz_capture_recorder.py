"""gradlab.viz.capture.recorder: which tensors a block made, in order, by which op, on which line."""
import gc
import inspect
import sys

import pytest

import gradlab as torch
from gradlab.tensor import observers
from gradlab.viz import Capture, capture


def _line():
    """The line number of the caller's line."""
    return inspect.currentframe().f_back.f_lineno


def test_records_in_creation_order_with_op_and_line():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True); line_x = _line()  # noqa: E702 (same line on purpose)
        y = x ** 2; line_y = _line()  # noqa: E702 (same line on purpose)
        z = y.sum(); line_z = _line()  # noqa: E702 (same line on purpose)
        p = torch.pow(x, 3)
        m = torch.mul(x, y)
    assert isinstance(cap, Capture)
    assert cap.tensors == [x, y, z, p, m] or [id(t) for t in cap.tensors] == [id(t) for t in (x, y, z, p, m)]
    ops = [record.op for record in cap.records]
    assert ops == ["tensor", "__pow__", "sum", "pow", "mul"]
    assert [record.lineno for record in cap.records[:3]] == [line_x, line_y, line_z]
    assert cap.records[0].filename == __file__
    assert cap.records[1].source.startswith("y = x ** 2")
    assert cap.records[1].inputs == (x,)
    assert cap.records[1].inputs_required_grad == (True,)
    assert cap.records[1].shape == (2,) and cap.records[1].dtype == "float32"
    assert len(cap) == 5


def test_no_duplicates_and_in_place_changes_are_recorded():
    w = torch.tensor([1.0, 2.0], requires_grad=True)  # made before the capture
    with capture() as cap:
        y = w * 2
        y2 = y * 1
        y2 += 1
        with torch.no_grad():
            w -= 0.5 * w
    ids = [id(t) for t in cap.tensors]
    assert len(ids) == len(set(ids))
    record_y2 = cap.record_of(y2)
    assert record_y2.created and [c.op for c in record_y2.changes] == ["__iadd__"]
    record_w = cap.record_of(w)
    assert record_w is not None and not record_w.created
    assert [(c.op, c.grad_enabled) for c in record_w.changes] == [("__isub__", False)]
    # the old value and raw result an in-place op makes inside are marked as its parts
    parts = [r for r in cap.records if r.part_of is not None]
    assert parts and all(r.part_of in (record_y2, record_w) for r in parts)
    assert y is not None


def test_ops_without_grad_keep_their_name_and_grad_mode():
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    with capture() as cap:
        with torch.no_grad():
            frozen = x * 2
        mask = x > 0
        index = x.argmax()
        detached = x.detach()
        compared = torch.gt(x, 0)
    by_tensor = {id(r.tensor): r for r in cap.records}
    assert by_tensor[id(frozen)].op == "__mul__" and not by_tensor[id(frozen)].grad_enabled
    assert by_tensor[id(mask)].op == "__gt__" and by_tensor[id(mask)].grad_enabled
    assert by_tensor[id(index)].op == "argmax"
    assert by_tensor[id(detached)].op == "detach"
    assert by_tensor[id(compared)].op == "gt"
    assert all(by_tensor[id(t)].inputs == (x,) for t in (frozen, mask, index, detached))


def test_tensors_made_by_backward_are_not_recorded_but_the_call_is():
    with capture() as cap:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        loss = (x * x).sum()
        loss.backward(); line = _line()  # noqa: E702 (same line on purpose)
        (g,) = torch.autograd.grad((x ** 3).sum(), x)
    ids = {id(t) for t in cap.tensors}
    assert id(x.grad) not in ids and id(g) not in ids
    assert [call.function for call in cap.backward_calls] == ["backward", "grad"]
    assert cap.backward_calls[0].outputs == (loss,) and cap.backward_calls[0].lineno == line


def test_hooks_run_by_backward_are_not_recorded():
    x = torch.tensor([1.0], requires_grad=True)
    x.register_hook(lambda grad: grad * 2)
    with capture() as cap:
        y = x * 3
        y.backward()
    assert cap.tensors == [y] or [id(t) for t in cap.tensors] == [id(y)]


def test_observer_removed_on_exit_even_after_an_error():
    before = list(observers)
    with pytest.raises(ZeroDivisionError):
        with capture():
            torch.ones(2)
            1 / 0
    assert observers == before
    with capture() as outer:
        a = torch.ones(1)
        with capture() as inner:
            b = torch.zeros(1)
    assert [id(t) for t in outer.tensors] == [id(a), id(b)]
    assert [id(t) for t in inner.tensors] == [id(b)]


def test_keep_bytes_limits_what_a_capture_keeps_alive():
    with capture(keep_bytes=0) as cap:
        torch.ones(1000) * 2
    gc.collect()
    assert len(cap.records) == 2
    assert cap.tensors == []
    with capture() as cap:
        torch.ones(1000) * 2
    gc.collect()
    assert len(cap.tensors) == 2


def test_limit_and_failures_never_break_the_computation(monkeypatch):
    with capture(limit=3) as cap:
        y = torch.ones(1, requires_grad=True)
        for _ in range(5):
            y = y * 2.0
    assert len(cap.records) == 3 and cap.dropped == 3
    recorder = sys.modules["gradlab.viz.capture.recorder"]

    def broken(frame):
        raise RuntimeError("boom")

    monkeypatch.setattr(recorder, "_op_and_inputs", broken)
    with capture() as cap:
        z = torch.ones(2) * 3  # still computed
    assert z.tolist() == [3.0, 3.0] and cap.dropped == 2 and not cap.records


def test_tensors_made_inside_a_custom_function_forward_are_not_recorded():
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2  # internal to forward: PyTorch records no node for it
            return inner

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    with capture() as cap:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = Double.apply(x)
    assert [record.op for record in cap.records] == ["tensor", "apply"]
    assert cap.tensors[-1] is y
