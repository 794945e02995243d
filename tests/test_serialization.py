"""save / load (gradlab/serialization.py) and pickling tensors: what PyTorch tutorials save
(state_dicts, checkpoints, whole modules) comes back equal, with dtypes, requires_grad and
shared memory; weights_only refuses code."""
import collections
import copy
import io
import pickle

import numpy as np
import pytest

import gradlab as torch


def _round_trip(obj, **load_args):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, **load_args)


def _same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.numpy(force=True), b.numpy(force=True)) \
        and a.requires_grad == b.requires_grad


def test_tensors_keep_dtype_values_and_requires_grad():
    tensors = [torch.randn(2, 3), torch.tensor([1, 2]), torch.tensor(True), torch.tensor(2.5, dtype=torch.float64),
               torch.tensor([1., 2.], dtype=torch.float16), torch.ones(2, requires_grad=True),
               torch.zeros(0, 3, dtype=torch.int8), torch.arange(6.).reshape(2, 3).t()]
    back = _round_trip(tensors)
    assert all(_same(a, b) for a, b in zip(tensors, back))
    assert all(b.is_leaf for b in back)


def test_a_non_leaf_comes_back_as_a_leaf_that_requires_grad():
    x = torch.tensor([1., 2.], requires_grad=True)
    y = _round_trip(x * 2)
    assert y.is_leaf and y.requires_grad and y.tolist() == [2., 4.]


def test_views_share_memory_after_loading():
    x = torch.arange(6.).reshape(2, 3)
    a, row, column, again = _round_trip([x, x[1], x[:, 2], x])
    assert a is again
    row[0] = 100
    column[0] = -1
    assert a.tolist() == [[0., 1., -1.], [100., 4., 5.]]


def test_state_dict_and_checkpoint_round_trip(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(5, 3)).sum().backward()
    optimizer.step()
    path = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 7, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": 0.25}, path)
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint["epoch"] == 7 and checkpoint["loss"] == 0.25
    assert isinstance(checkpoint["model_state_dict"], collections.OrderedDict)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    fresh.load_state_dict(checkpoint["model_state_dict"])
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.5, momentum=0.9)
    fresh_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    assert fresh_optimizer.param_groups[0]["lr"] == 0.1
    torch.save(model.state_dict(), str(path))  # a str path too
    assert list(torch.load(str(path))) == list(model.state_dict())


def test_plain_data_round_trips():
    data = {"list": [1, 2.5, "a", None, True], "tuple": (1, (2, 3)), "set": {1, 2}, "bytes": b"xy",
            "complex": 1 + 2j, "dtype": torch.float64, "size": torch.Size([2, 3]), "device": torch.device("cpu"),
            "nested": collections.OrderedDict(a={"b": [torch.ones(1)]})}
    back = _round_trip(data)
    assert back["nested"]["a"]["b"][0].tolist() == [1.]
    del data["nested"], back["nested"]
    assert back == data


def test_parameters_and_whole_modules():
    p = torch.nn.Parameter(torch.ones(2))
    back = _round_trip(p)
    assert isinstance(back, torch.nn.Parameter) and back.requires_grad
    model = torch.nn.Linear(2, 1)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        _round_trip(model)
    loaded = _round_trip(model, weights_only=False)
    assert isinstance(loaded, torch.nn.Linear) and isinstance(loaded.weight, torch.nn.Parameter)
    assert np.array_equal(loaded.weight.detach().numpy(), model.weight.detach().numpy())
    assert loaded(torch.ones(1, 2)).shape == (1, 1)


class _Custom:
    pass


def test_weights_only_refuses_other_classes_unless_allowed():
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL test_serialization._Custom"):
        _round_trip({"a": _Custom()})
    with torch.serialization.safe_globals([_Custom]):
        assert isinstance(_round_trip({"a": _Custom()})["a"], _Custom)
    assert isinstance(_round_trip([_Custom()], weights_only=False)[0], _Custom)


def test_weights_only_error_matches_torch(torch_module):
    def failure(lib):
        buffer = io.BytesIO()
        lib.save({"a": _Custom()}, buffer)
        buffer.seek(0)
        with pytest.raises(pickle.UnpicklingError) as info:
            lib.load(buffer)
        return str(info.value)

    ours, theirs = failure(torch), failure(torch_module)
    assert ours.startswith("Weights only load failed.") and theirs.startswith("Weights only load failed.")
    assert "Unsupported global: GLOBAL test_serialization._Custom" in ours
    assert "Unsupported global: GLOBAL test_serialization._Custom" in theirs


def test_loads_a_pytorch_checkpoint(torch_module):
    x = torch_module.arange(6.).reshape(2, 3)
    buffer = io.BytesIO()
    torch_module.save({"sd": torch_module.nn.Linear(2, 1).state_dict(), "x": x, "row": x[1],
                       "p": torch_module.nn.Parameter(torch_module.ones(2)), "i": torch_module.tensor([1, 2]),
                       "dtype": torch_module.float16, "size": torch_module.Size([2])}, buffer)
    buffer.seek(0)
    back = torch.load(buffer)
    assert back["x"].tolist() == x.tolist() and back["i"].dtype is torch.int64
    assert isinstance(back["p"], torch.nn.Parameter) and back["dtype"] is torch.float16
    assert back["size"] == torch.Size([2])
    back["row"][0] = 100.
    assert back["x"][1, 0].item() == 100.
    torch.nn.Linear(2, 1).load_state_dict(back["sd"])


def test_bad_files_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError):
        torch.load(tmp_path / "missing.pt")
    (tmp_path / "garbage.pt").write_bytes(b"hello world")
    with pytest.raises(pickle.UnpicklingError, match="not a file written by torch.save"):
        torch.load(tmp_path / "garbage.pt")
    with pytest.raises(AttributeError, match="expected 'f' to be string, path, or a file-like object"):
        torch.save(torch.ones(1), 5)
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(), map_location="cuda")


# --------------------------------------------------------------------- pickle, deepcopy
def test_pickle_and_deepcopy_like_torch(torch_module):
    def run(lib):
        t = lib.tensor([1., 2.], requires_grad=True)
        t.grad = lib.ones(2)
        copied = copy.deepcopy(t)
        pickled = pickle.loads(pickle.dumps(t))
        from_non_leaf = pickle.loads(pickle.dumps(t * 2))
        with pytest.raises(RuntimeError) as info:
            copy.deepcopy(t * 2)
        x = lib.arange(4.)
        a, b = copy.deepcopy([x, x[1:]])
        b[0] = -1
        return (copied.tolist(), copied.requires_grad, copied.is_leaf, copied.grad.tolist(), copied is not t,
                pickled.tolist(), pickled.requires_grad, pickled.grad, from_non_leaf.requires_grad,
                from_non_leaf.is_leaf, str(info.value), a.tolist(), x.tolist(),
                pickle.loads(pickle.dumps(lib.tensor([1, 2], dtype=lib.int8))).dtype is lib.int8)

    assert run(torch) == run(torch_module)


@pytest.fixture
def torch_module():
    return pytest.importorskip("torch")
