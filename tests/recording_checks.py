"""Graphs and look-ups shared by the tests of the backward recording, its chain-rule text and the stepper.

(test_viz_recording.py, test_viz_chain_rule.py, test_widgets_stepper.py)
"""


def mixed(lib):
    """A graph with every op the chain-rule text covers, a broadcast and a leaf used three times."""
    a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = lib.tensor([[0.5, -1.0], [2.0, 1.0]], requires_grad=True)
    x = lib.tensor([1.0, -2.0], requires_grad=True)
    h = (a @ b).relu() * x + x ** 2
    loss = (h * x).sum()
    return loss, {"a": a, "b": b, "x": x, "h": h, "loss": loss}


def line(record, start):
    """The one line of a record's text that starts (after indentation) with ``start``."""
    found = [text.strip() for text in record.text.splitlines() if text.strip().startswith(start)]
    assert len(found) == 1, (start, record.text)
    return found[0]


def record_of(steps_owner, name):
    """The one backward record of node class ``name`` (``steps_owner``: a recording or a stepper)."""
    found = [record for record in steps_owner.steps if record.name == name]
    assert len(found) == 1, name
    return found[0]
