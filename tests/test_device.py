"""Devices, sizes and torch.cuda (gradlab/device.py, size.py, cuda.py): the CPU only,
with PyTorch's names and a clear sentence for any other device."""
import pickle

import pytest

import gradlab
from gradlab.device import device


@pytest.mark.parametrize("code", [
    "torch.device('cpu')", "torch.device('cuda')", "torch.device('cuda:0')", "torch.device('cuda', 1)",
    "torch.device(type='cpu')", "torch.device('cpu:1')", "torch.device(torch.device('cuda:1'))",
    "torch.device('mps')", "str(torch.device('cuda:0'))", "torch.device('cpu').index",
    "torch.device('cpu') == torch.device('cpu')", "torch.device('cpu') == 'cpu'",
    "torch.device('cuda') == torch.device('cuda:0')", "torch.zeros(2).device", "torch.zeros(2).device.type",
    "torch.zeros(2).device == torch.device('cpu')", "torch.zeros(2, device='cpu:0').device",
    "torch.cuda.is_available()", "torch.cuda.device_count()",
    "torch.device('gpu')", "torch.device('cuda:x')", "torch.device('')", "torch.device(1.5)",
    "torch.zeros(2, device='cuda')", "torch.zeros(2).cuda()", "torch.zeros(2).to('cuda:0')",
    "torch.Size([2, 3])", "torch.Size([2, 3]).numel()", "torch.Size([]).numel()", "torch.Size([2, 3])[1:]",
    "torch.Size([2, 3]) + (4,)", "(4,) + torch.Size([2, 3])", "torch.Size([2, 3]) == (2, 3)",
    "str(torch.Size([]))", "torch.Size([2]) * 2", "torch.Size((2.5,))", "torch.zeros(2, 3).shape[-1]",
    "torch.zeros(2, 3).size()", "torch.zeros(2, 3).size(1)",
])
def test_matches_torch(torch, code):
    def outcome(lib):
        try:
            return "ok", repr(eval(code, {"torch": lib}))
        except Exception as error:
            return "error", error

    expected, ours = outcome(torch), outcome(gradlab)
    assert ours[0] == expected[0], (expected, ours)
    if ours[0] == "ok":
        assert ours[1] == expected[1]
    else:
        assert isinstance(ours[1], type(expected[1])) or (
            isinstance(expected[1], AssertionError) and isinstance(ours[1], RuntimeError)), (expected, ours)


def test_other_devices_can_be_named_but_not_used():
    cuda = device("cuda:0")
    assert (cuda.type, cuda.index) == ("cuda", 0)
    with pytest.raises(RuntimeError, match="CPU only.*cuda:0.*device='cpu'"):
        gradlab.zeros(2, device=cuda)
    with pytest.raises(AssertionError):  # what PyTorch without CUDA raises, for old except clauses
        gradlab.ones(2).cuda()


def test_the_usual_idiom_picks_the_cpu():
    chosen = gradlab.device("cuda" if gradlab.cuda.is_available() else "cpu")
    assert gradlab.zeros(2, device=chosen).device == chosen
    with gradlab.device("cpu"):
        pass


def test_devices_and_sizes_pickle():
    assert pickle.loads(pickle.dumps(device("cpu"))) == device("cpu")
    size = pickle.loads(pickle.dumps(gradlab.Size([2, 3])))
    assert isinstance(size, gradlab.Size) and size == (2, 3)


def test_size_takes_only_integers():
    with pytest.raises(TypeError, match="takes an iterable of 'int'"):
        gradlab.Size([2.5])
    assert gradlab.Size([gradlab.tensor(2)]) == (2,)
