"""gradlab.viz.capture.names: which variables hold which tensors (plain names, containers, modules)."""
import pytest

import gradlab as torch
from gradlab.viz import capture
from gradlab.viz.capture import name_tensors


def test_name_tensors_several_names_sorted_and_containers():
    x = torch.tensor([1.0], requires_grad=True)
    result = torch.tensor([[1.0, 5.0]]).max(1)
    namespace = {"x": x, "alias": x, "_": x, "params": [x, torch.ones(1)],
                 "table": {"w": x}, "result": result, "number": 3}
    with capture() as cap:
        pass
    names = cap.name_tensors(namespace)
    assert names[id(x)] == ["alias", "x", "params[0]", "table['w']"]
    assert names[id(result.values)] == ["result.values"]
    assert cap.names is names

class _Module:
    """Stands in for gradlab.nn.Module (a user's subclass of it)."""

    def __init__(self):
        self.weight = torch.ones(2, requires_grad=True)

    def named_parameters(self):
        yield "weight", self.weight

_Module.__module__ = "gradlab.nn.modules.module"

class _Model(_Module):
    pass

def test_module_parameters_are_named():
    model = _Model()
    with capture() as cap:
        pass
    names = cap.name_tensors({"model": model})
    assert names[id(model.weight)] == ["model.weight"]

def test_real_linear_parameters_are_named():
    nn = pytest.importorskip("gradlab.nn", exc_type=ImportError)
    layer = nn.Linear(2, 1)
    with capture() as cap:
        pass
    assert cap.name_tensors({"layer": layer})[id(layer.weight)] == ["layer.weight"]


def test_grads_of_named_tensors_are_named_and_private_names_skipped():
    x = torch.tensor([1.0], requires_grad=True)
    (x * 2).sum().backward()
    refs = {}
    names = name_tensors({"x": x, "_hidden": torch.ones(1)}, refs)
    assert names == {id(x): ["x"], id(x.grad): ["x.grad"]}
    assert refs[id(x)]() is x
