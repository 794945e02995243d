"""nn.Module and the layers (gradlab/nn/modules/): registration, state_dict, modes, repr,
dtype moves, containers, and each layer's output and gradients against PyTorch."""
import copy
import re
from collections import OrderedDict

import numpy as np
import pytest

import gradlab
from gradlab import nn


def _build(lib, make):
    lib.manual_seed(0)
    return make(lib)


def _copy_weights(torch, torch_model, gradlab_model):
    """Load the PyTorch model's values into the gradlab model (same architecture)."""
    state = {k: gradlab.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    gradlab_model.load_state_dict(state)


class _Net:
    """The same custom module for either library (an attribute-built tree)."""

    @staticmethod
    def make(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.features = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU())
                self.scale = lib.nn.Parameter(lib.ones(1))
                self.register_buffer("mask", lib.ones(8))
                self.register_buffer("scratch", lib.zeros(2), persistent=False)
                self.head = lib.nn.Linear(8, 3, bias=False)
                self.blocks = lib.nn.ModuleList([lib.nn.Linear(3, 3) for _ in range(2)])

            def forward(self, x):
                x = self.features(x) * self.mask * self.scale
                x = self.head(x)
                for block in self.blocks:
                    x = block(x)
                return x

        return Net()


# ----------------------------------------------------------------- registration
def test_named_parameters_buffers_and_modules_match_pytorch(torch):
    ours, theirs = _Net.make(gradlab), _Net.make(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters(recurse=False)] == ["scale"]


def test_sequential_parameter_names():
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_shared_parameters_and_modules_are_listed_once(torch):
    for lib in (gradlab, torch):
        layer = lib.nn.Linear(2, 2)
        model = lib.nn.Sequential(layer, lib.nn.ReLU(), layer)
        assert len(list(model.parameters())) == 2
        assert [n for n, _ in model.named_modules()] == ["", "0", "1"]


def test_attribute_assignment_rules(torch):
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError) as ours:
        model.weight = gradlab.zeros(3, 2)
    with pytest.raises(TypeError) as theirs:
        torch.nn.Linear(2, 3).weight = torch.zeros(3, 2)
    assert str(ours.value) == str(theirs.value)
    model.bias = None  # a parameter slot may be emptied
    assert model.bias is None and [n for n, _ in model.named_parameters()] == ["weight"]
    model.extra = nn.ReLU()
    assert "extra" in dict(model.named_children())
    del model.extra
    assert "extra" not in dict(model.named_children())
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nothing'"):
        model.nothing


def test_register_errors_match_pytorch(torch):
    for call in (lambda lib, m: m.register_parameter("a.b", None),
                 lambda lib, m: m.register_buffer("", None),
                 lambda lib, m: m.register_buffer("weight", lib.zeros(1)),
                 lambda lib, m: m.register_parameter("w", lib.zeros(1)),
                 lambda lib, m: m.add_module("x", 3)):
        errors = []
        for lib in (gradlab, torch):
            with pytest.raises(Exception) as info:
                call(lib, lib.nn.Linear(1, 1))
            errors.append((type(info.value), str(info.value)))
        assert errors[0] == errors[1]


def test_assigning_before_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        Broken()


def test_missing_forward_is_explained():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        NoForward()(gradlab.zeros(1))


def test_get_submodule_and_parameter():
    model = _Net.make(gradlab)
    assert model.get_submodule("features.0") is model.features[0]
    assert model.get_parameter("blocks.1.bias") is model.blocks[1].bias
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("features.nope")


# ------------------------------------------------------------------ state_dict
def test_state_dict_round_trip_between_models():
    gradlab.manual_seed(0)
    source = _Net.make(gradlab)
    gradlab.manual_seed(1)
    target = _Net.make(gradlab)
    state = source.state_dict()
    assert all(not v.requires_grad for v in state.values())
    result = target.load_state_dict(state)
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), name
    # loading copies values: the target keeps its own Parameter objects
    assert target.head.weight is not source.head.weight
    assert isinstance(target.head.weight, nn.Parameter) and target.head.weight.requires_grad


def test_state_dict_shares_memory_and_keep_vars():
    model = nn.Linear(2, 2)
    state = model.state_dict()
    with gradlab.no_grad():
        model.weight.fill_(3.0)
    assert state["weight"].tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert model.state_dict(keep_vars=True)["weight"] is model.weight


def test_load_state_dict_errors_match_pytorch(torch):
    def attempt(lib, edit, strict=True):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        state = OrderedDict(model.state_dict())
        edit(lib, state)
        try:
            return repr(model.load_state_dict(state, strict=strict))
        except RuntimeError as error:
            return str(error)

    edits = [
        lambda lib, s: s.pop("2.bias"),
        lambda lib, s: s.update({"3.weight": lib.zeros(1), "extra": lib.zeros(1)}),
        lambda lib, s: (s.pop("0.weight"), s.update({"0.wieght": lib.zeros(3, 2)})),
        lambda lib, s: s.update({"0.weight": lib.zeros(2, 3)}),
    ]
    for edit in edits:
        assert attempt(gradlab, edit) == attempt(torch, edit)
        assert attempt(gradlab, edit, strict=False) == attempt(torch, edit, strict=False)


def test_load_state_dict_from_pytorch_values(torch):
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    _copy_weights(torch, theirs, ours)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())


# ------------------------------------------------------------------- modes
def test_train_and_eval_set_every_module(torch):
    model = _Net.make(gradlab)
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.blocks.train(False)
    assert model.training and not model.blocks[0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")


def test_zero_grad_sets_grads_to_none_or_zeros():
    model = nn.Linear(3, 2)
    x = gradlab.randn(4, 3)
    model(x).sum().backward()
    assert model.weight.grad is not None
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and not model.weight.grad.any()
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_requires_grad_and_apply():
    model = _Net.make(gradlab)
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen[-1] == "Net" and seen[0] == "Linear"  # children first, as PyTorch

    def init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.weight)

    model.apply(init_weights)
    assert not model.head.weight.any() and model.head.weight.requires_grad


def test_forward_hooks():
    model = nn.Linear(2, 2)
    calls = []
    pre = model.register_forward_pre_hook(lambda m, args: calls.append(("pre", args[0].shape)))
    post = model.register_forward_hook(lambda m, args, out: out * 0)
    out = model(gradlab.ones(1, 2))
    assert calls == [("pre", (1, 2))] and not out.any()
    pre.remove()
    post.remove()
    assert model(gradlab.ones(1, 2)).any() and len(calls) == 1


# ------------------------------------------------------------- dtype and device
def test_to_dtype_converts_parameters_in_place():
    model = _Net.make(gradlab)
    weight = model.head.weight
    model(gradlab.randn(2, 4)).sum().backward()
    assert model.to(gradlab.float64) is model
    assert model.head.weight is weight and weight.dtype == gradlab.float64
    assert weight.grad.dtype == gradlab.float64 and model.mask.dtype == gradlab.float64
    assert all(p.dtype == gradlab.float64 for p in model.parameters())
    out = model(gradlab.randn(2, 4, dtype=gradlab.float64))
    assert out.dtype == gradlab.float64
    model.float()
    assert all(p.dtype == gradlab.float32 for p in model.parameters())
    model.double()
    assert weight.dtype == gradlab.float64 and weight.is_leaf and weight.requires_grad


def test_to_device_and_dtype_arguments():
    model = nn.Linear(2, 2)
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(gradlab.device("cpu"), gradlab.float64).weight.dtype == gradlab.float64
    assert model.to(dtype=gradlab.float32).weight.dtype == gradlab.float32
    assert model.to(gradlab.zeros(1, dtype=gradlab.float64)).weight.dtype == gradlab.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        model.cuda()
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(gradlab.int64)


def test_deepcopy_gives_an_independent_model():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    clone = copy.deepcopy(model)
    with gradlab.no_grad():
        clone[0].weight.fill_(0.0)
    assert model[0].weight.any() and isinstance(clone[0].weight, nn.Parameter)


# --------------------------------------------------------------------- repr
_ARCHITECTURES = [
    lambda nn: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)),
    lambda nn: nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=(3, 5), stride=2, bias=False), nn.LeakyReLU(0.2),
        nn.AvgPool2d(2, stride=1, padding=1), nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(32, 10, bias=False), nn.LogSoftmax(dim=1)),
    lambda nn: nn.Sequential(OrderedDict(hidden=nn.Linear(4, 4), act=nn.GELU(),
                                         inner=nn.Sequential(nn.Tanh(), nn.Sigmoid()),
                                         out=nn.Softmax(dim=-1))),
    lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)]),
    lambda nn: nn.ModuleList([nn.Sequential(nn.Linear(2, 2), nn.ReLU()) for _ in range(3)]),
    lambda nn: nn.Sequential(),
    lambda nn: nn.ModuleList(),
    lambda nn: nn.Sequential(nn.Identity(), nn.ReLU(inplace=True), nn.GELU("tanh"),
                             nn.Flatten(0, 2), nn.Softmax(), nn.Dropout(p=0.1, inplace=True),
                             nn.Conv2d(3, 6, 3, padding="same"), nn.Conv2d(4, 4, 1, groups=2),
                             nn.Conv2d(1, 1, 3, dilation=2), nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
    lambda nn: nn.Sequential(nn.MSELoss(), nn.L1Loss(reduction="sum"), nn.CrossEntropyLoss(),
                             nn.NLLLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss()),
]


@pytest.mark.parametrize("make", _ARCHITECTURES)
def test_repr_matches_pytorch(torch, make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_repr_of_a_custom_module(torch):
    assert repr(_Net.make(gradlab)) == repr(_Net.make(torch))


def test_extra_repr_of_a_custom_module(torch):
    texts = []
    for lib in (gradlab, torch):
        class Scale(lib.nn.Module):
            def __init__(self, factor):
                super().__init__()
                self.factor = factor

            def extra_repr(self):
                return f"factor={self.factor}"

        texts.append(repr(lib.nn.Sequential(Scale(2), Scale(3))))
    assert texts[0] == texts[1] == "Sequential(\n  (0): Scale(factor=2)\n  (1): Scale(factor=3)\n)"


# ---------------------------------------------------------------- containers
def test_sequential_indexing_and_editing(torch):
    for lib in (gradlab, torch):
        layers = [lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 1)]
        model = lib.nn.Sequential(*layers)
        assert len(model) == 3 and model[0] is layers[0] and model[-1] is layers[2]
        assert list(model) == layers
        assert isinstance(model[1:], lib.nn.Sequential) and list(model[1:]) == layers[1:]
        assert [n for n, _ in model[1:].named_children()] == ["1", "2"]  # names are kept
        with pytest.raises(IndexError, match="index 3 is out of range"):
            model[3]
        model.append(lib.nn.Sigmoid())
        assert len(model) == 4 and [n for n, _ in model.named_children()][-1] == "3"
        del model[0]
        assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
        model[0] = lib.nn.Tanh()
        assert type(model[0]).__name__ == "Tanh"
        assert len(model + lib.nn.Sequential(lib.nn.ReLU())) == 4


def test_sequential_runs_its_modules_in_order():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = gradlab.randn(5, 3)
    expected = model[2](model[1](model[0](x)))
    assert gradlab.equal(model(x), expected)


def test_module_list_registers_its_modules(torch):
    for lib in (gradlab, torch):
        blocks = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        blocks.append(lib.nn.Linear(2, 1))
        blocks.extend([lib.nn.ReLU()])
        blocks.insert(0, lib.nn.Tanh())
        assert len(blocks) == 6 and type(blocks[0]).__name__ == "Tanh"
        assert type(blocks[-1]).__name__ == "ReLU"
        assert len(list(blocks.parameters())) == 8
        assert [n for n, _ in blocks.named_children()] == [str(i) for i in range(6)]
        assert isinstance(blocks[1:3], lib.nn.ModuleList) and len(blocks[1:3]) == 2
        del blocks[0]
        assert [n for n, _ in blocks.named_children()] == [str(i) for i in range(5)]
        with pytest.raises(IndexError, match="out of range"):
            blocks[5]


# ------------------------------------------------ layers against PyTorch
def _compare(torch, make, inputs, rtol=1e-5, atol=1e-6, train=True):
    """Same weights in both libraries; forward values and every gradient must agree."""
    theirs = make(torch.nn)
    ours = make(nn)
    _copy_weights(torch, theirs, ours)
    ours.train(train)
    theirs.train(train)
    their_inputs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    our_inputs = [gradlab.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    their_out, our_out = theirs(*their_inputs), ours(*our_inputs)
    np.testing.assert_allclose(our_out.detach().numpy(), their_out.detach().numpy(), rtol, atol)
    their_out.sum().backward()
    our_out.sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol, atol, err_msg=name)
    for a, b in zip(our_inputs, their_inputs):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol, atol)
    return our_out


_R = np.random.default_rng(0)
_X = _R.standard_normal((4, 6)).astype(np.float32)
_IMAGES = _R.standard_normal((2, 3, 8, 8)).astype(np.float32)


@pytest.mark.parametrize("make, inputs", [
    (lambda nn: nn.Linear(6, 3), [_X]),
    (lambda nn: nn.Linear(6, 3, bias=False), [_X]),
    (lambda nn: nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2)), [_X]),
    (lambda nn: nn.LeakyReLU(0.1), [_X]),
    (lambda nn: nn.Sigmoid(), [_X]),
    (lambda nn: nn.Tanh(), [_X]),
    (lambda nn: nn.GELU(), [_X]),
    (lambda nn: nn.GELU("tanh"), [_X]),
    (lambda nn: nn.Softmax(dim=1), [_X]),
    (lambda nn: nn.LogSoftmax(dim=0), [_X]),
    (lambda nn: nn.Identity(3, unused=True), [_X]),
    (lambda nn: nn.Flatten(), [_IMAGES]),
    (lambda nn: nn.Conv2d(3, 4, 3), [_IMAGES]),
    (lambda nn: nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), [_IMAGES]),
    (lambda nn: nn.Conv2d(3, 4, (3, 2), padding=(1, 0)), [_IMAGES[0]]),
    (lambda nn: nn.MaxPool2d(2), [_IMAGES]),
    (lambda nn: nn.MaxPool2d(3, stride=2, padding=1), [_IMAGES]),
    (lambda nn: nn.AvgPool2d(2), [_IMAGES]),
    (lambda nn: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(64, 3)), [_IMAGES]),
])
def test_layers_match_pytorch(torch, make, inputs):
    _compare(torch, make, inputs)


def test_dropout_in_eval_mode_is_the_identity_and_scales_in_training(torch):
    _compare(torch, lambda nn: nn.Dropout(0.5), [_X], train=False)
    gradlab.manual_seed(0)
    out = nn.Dropout(0.25)(gradlab.ones(1000))
    kept = out[out != 0]
    assert np.allclose(kept.numpy(), 1 / 0.75) and 650 < len(kept) < 850
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)


_LOGITS = _R.standard_normal((5, 4)).astype(np.float32)
_CLASSES = np.array([0, 3, 1, 1, 2])
_PROBS = (1 / (1 + np.exp(-_LOGITS))).astype(np.float32)
_BINARY = (_R.random((5, 4)) > 0.5).astype(np.float32)


@pytest.mark.parametrize("make, inputs", [
    (lambda nn: nn.MSELoss(), [_LOGITS, _PROBS]),
    (lambda nn: nn.MSELoss(reduction="sum"), [_LOGITS, _PROBS]),
    (lambda nn: nn.L1Loss(), [_LOGITS, _PROBS]),
    (lambda nn: nn.CrossEntropyLoss(), [_LOGITS, _CLASSES]),
    (lambda nn: nn.CrossEntropyLoss(reduction="none"), [_LOGITS, _CLASSES]),
    (lambda nn: nn.CrossEntropyLoss(ignore_index=1), [_LOGITS, _CLASSES]),
    (lambda nn: nn.NLLLoss(), [np.log(_PROBS), _CLASSES]),
    (lambda nn: nn.BCELoss(), [_PROBS, _BINARY]),
    (lambda nn: nn.BCEWithLogitsLoss(), [_LOGITS, _BINARY]),
])
def test_losses_match_pytorch(torch, make, inputs):
    _compare(torch, make, inputs)


def test_loss_module_settings():
    loss = nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.1, reduction="sum")
    assert (loss.ignore_index, loss.label_smoothing, loss.reduction) == (3, 0.1, "sum")
    assert loss.weight is None and list(loss.state_dict()) == []
    weighted = nn.NLLLoss(weight=gradlab.ones(3))
    assert list(weighted.state_dict()) == ["weight"]
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.MSELoss(size_average=False).reduction == "sum"


def test_default_initialisation_bounds_match_pytorch(torch):
    for make in (lambda nn: nn.Linear(50, 20), lambda nn: nn.Conv2d(3, 8, 5),
                 lambda nn: nn.Conv2d(4, 8, 3, groups=2)):
        ours, theirs = make(nn), make(torch.nn)
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            bound = 1 / np.sqrt(nn.init._calculate_fan_in_and_fan_out(ours.weight)[0])
            assert np.abs(p.detach().numpy()).max() <= bound + 1e-7, name
            assert np.abs(q.detach().numpy()).max() <= bound + 1e-7, name
            # both fill most of the range
            assert np.abs(p.detach().numpy()).max() > 0.8 * bound, name


def _sorted_sets(message):
    """Both messages print a Python set, whose order varies from process to process."""
    return re.sub(r"\{[^{}]*\}", lambda m: str(sorted(m.group(0)[1:-1].split(", "))), message)


def test_conv2d_constructor_errors_match_pytorch(torch):
    for kwargs in ({"groups": 0}, {"groups": 2}, {"padding": "full"},
                   {"padding": "same", "stride": 2}, {"padding_mode": "mirror"}):
        messages = []
        for lib in (nn, torch.nn):
            with pytest.raises(ValueError) as info:
                lib.Conv2d(3, 4, 3, **kwargs)
            messages.append(_sorted_sets(str(info.value)))
        assert messages[0] == messages[1], kwargs
    with pytest.raises(NotImplementedError, match="zeros only"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")


def test_layer_attributes_match_pytorch(torch):
    for make in (lambda nn: nn.Conv2d(1, 16, 3, padding=1), lambda nn: nn.MaxPool2d(2),
                 lambda nn: nn.AvgPool2d(3, 1), lambda nn: nn.Linear(3, 4)):
        ours, theirs = make(nn), make(torch.nn)
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                     "dilation", "groups", "in_features", "out_features", "ceil_mode"):
            if hasattr(theirs, name):
                assert getattr(ours, name) == getattr(theirs, name), name


def test_errors_name_the_layer_that_failed():
    model = gradlab.nn.Sequential(gradlab.nn.Linear(4, 8), gradlab.nn.ReLU(), gradlab.nn.Linear(6, 2))
    with pytest.raises(RuntimeError, match="cannot be multiplied") as info:
        model(gradlab.ones(2, 4))
    assert info.value.__notes__ == ["This happened in the layer Linear(in_features=6, out_features=2, bias=True)"]
    with pytest.raises(RuntimeError) as info:
        gradlab.nn.Conv2d(3, 16, 3)(gradlab.ones(2, 4, 8, 8))
    assert "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))" in info.value.__notes__[0]


# ------------------------------------------- more layers (issue 11: the courses' layers)
_MORE_ARCHITECTURES = [
    lambda nn: nn.Sequential(nn.SiLU(), nn.Mish(), nn.Softplus(), nn.Softplus(beta=2, threshold=10),
                             nn.LogSigmoid(), nn.ELU(), nn.ELU(0.5, True), nn.SELU(), nn.CELU(2.0),
                             nn.ReLU6(), nn.ReLU6(True), nn.Hardtanh(), nn.Hardtanh(-2, 2, True),
                             nn.Threshold(0.1, 20), nn.Softmin(dim=1), nn.PReLU(), nn.PReLU(3, 0.1),
                             nn.SiLU(inplace=True), nn.Softmax(dim=1), nn.LogSoftmax(dim=1)),
    lambda nn: nn.Sequential(nn.AdaptiveAvgPool2d((None, 3)), nn.AdaptiveAvgPool2d(1),
                             nn.AdaptiveAvgPool1d(2), nn.AdaptiveMaxPool2d((2, 2)),
                             nn.AdaptiveMaxPool1d(3, return_indices=True), nn.Dropout2d(),
                             nn.Dropout1d(0.2, True), nn.Unflatten(1, (2, 2)),
                             nn.CosineSimilarity(), nn.PairwiseDistance()),
    lambda nn: nn.Sequential(nn.SmoothL1Loss(), nn.SmoothL1Loss(beta=0.5), nn.HuberLoss(delta=2.0),
                             nn.KLDivLoss(reduction="batchmean", log_target=True)),
    lambda nn: nn.ModuleDict({"encoder": nn.Linear(2, 3), "act": nn.ReLU(),
                              "head": nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())}),
    lambda nn: nn.ModuleDict(),
]


@pytest.mark.parametrize("make", _MORE_ARCHITECTURES)
def test_more_reprs_match_pytorch(torch, make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_parameter_list_and_dict_match_pytorch(torch):
    results = []
    for lib in (gradlab, torch):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.weights = lib.nn.ParameterList(
                    [lib.nn.Parameter(lib.ones(3)), lib.zeros(2, 2, dtype=lib.float64)])
                self.weights.append(lib.ones(1))
                self.named = lib.nn.ParameterDict({"scale": lib.nn.Parameter(lib.ones(2))})
                self.named["shift"] = lib.zeros(2)
                self.single = lib.nn.ParameterDict({"only": lib.nn.Parameter(lib.ones(1))})

        model = Model()
        assert all(type(p).__name__ == "Parameter" for p in model.weights)
        assert len(model.weights) == 3 and len(model.named) == 2 and "scale" in model.named
        assert list(model.named.keys()) == ["scale", "shift"]
        results.append((repr(model), [n for n, _ in model.named_parameters()],
                        list(model.state_dict()), repr(lib.nn.ParameterList()),
                        repr(lib.nn.ParameterDict()), len(model.weights[1:])))
    assert results[0] == results[1]


def test_module_dict_behaves_like_pytorch(torch):
    results = []
    for lib in (gradlab, torch):
        layers = lib.nn.ModuleDict({"a": lib.nn.Linear(2, 2)})
        layers["b"] = lib.nn.ReLU()
        layers.update([("c", lib.nn.Tanh())])
        assert "b" in layers and len(layers) == 3 and list(layers) == ["a", "b", "c"]
        popped = layers.pop("b")
        with pytest.raises(KeyError):
            layers["zz"]
        with pytest.raises(TypeError, match="int is not a Module subclass"):
            layers["d"] = 1
        results.append((type(popped).__name__, list(layers.keys()), list(layers.state_dict()),
                        [n for n, _ in layers.named_children()]))
    assert results[0] == results[1]


def test_prelu_parameter_names_and_init_match_pytorch(torch):
    for make in (lambda nn: nn.PReLU(), lambda nn: nn.PReLU(3, init=0.1)):
        ours, theirs = make(nn), make(torch.nn)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())


_MORE_IMAGES = _R.standard_normal((2, 3, 7, 6)).astype(np.float32)


@pytest.mark.parametrize("make, inputs", [
    (lambda nn: nn.SiLU(), [_X]), (lambda nn: nn.Mish(), [_X]), (lambda nn: nn.Softplus(2, 1), [_X]),
    (lambda nn: nn.LogSigmoid(), [_X]), (lambda nn: nn.ELU(0.7), [_X]), (lambda nn: nn.SELU(), [_X]),
    (lambda nn: nn.CELU(1.5), [_X]), (lambda nn: nn.ReLU6(), [_X * 4]),
    (lambda nn: nn.Hardtanh(-0.5, 0.5), [_X]), (lambda nn: nn.Threshold(0.1, -2.0), [_X]),
    (lambda nn: nn.Softmin(dim=1), [_X]), (lambda nn: nn.PReLU(), [_X]),
    (lambda nn: nn.PReLU(3), [_MORE_IMAGES]), (lambda nn: nn.AdaptiveAvgPool2d((3, 4)), [_MORE_IMAGES]),
    (lambda nn: nn.AdaptiveAvgPool2d(1), [_MORE_IMAGES]),
    (lambda nn: nn.AdaptiveMaxPool2d(2), [_MORE_IMAGES]),
    (lambda nn: nn.AdaptiveAvgPool1d(4), [_MORE_IMAGES[0]]),
    (lambda nn: nn.Unflatten(1, (2, 3)), [_X]),
    (lambda nn: nn.Sequential(nn.Conv2d(3, 4, 3), nn.SiLU(), nn.AdaptiveAvgPool2d((1, 1)),
                              nn.Flatten(), nn.Linear(4, 2)), [_MORE_IMAGES]),
])
def test_more_layers_match_pytorch(torch, make, inputs):
    _compare(torch, make, inputs)


@pytest.mark.parametrize("make, inputs", [
    (lambda nn: nn.SmoothL1Loss(), [_LOGITS, _PROBS]),
    (lambda nn: nn.SmoothL1Loss(reduction="sum", beta=0.3), [_LOGITS, _PROBS]),
    (lambda nn: nn.HuberLoss(delta=0.5), [_LOGITS, _PROBS]),
    (lambda nn: nn.HuberLoss(reduction="none"), [_LOGITS, _PROBS]),
    (lambda nn: nn.KLDivLoss(reduction="batchmean"), [np.log(_PROBS), _PROBS]),
    (lambda nn: nn.KLDivLoss(reduction="sum", log_target=True), [np.log(_PROBS), np.log(_PROBS)]),
    (lambda nn: nn.L1Loss(reduction="none"), [_LOGITS, _PROBS]),
    (lambda nn: nn.BCELoss(weight=_tensor_of(nn, _PROBS[0])), [_PROBS, _BINARY]),
    (lambda nn: nn.BCELoss(weight=_tensor_of(nn, _PROBS[0]), reduction="sum"), [_PROBS, _BINARY]),
])
def test_more_losses_match_pytorch(torch, make, inputs):
    _compare(torch, make, inputs)


def _tensor_of(nn, array):
    """A tensor of the library ``nn`` belongs to (gradlab.nn or torch.nn)."""
    import sys

    return sys.modules[nn.__name__.rsplit(".", 1)[0]].tensor(array)


def test_channel_dropout_modules_zero_whole_channels_and_are_the_identity_in_eval():
    gradlab.manual_seed(0)
    layer = nn.Dropout2d(0.5)
    out = layer(gradlab.ones(8, 16, 3, 3)).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    layer.eval()
    x = gradlab.ones(2, 3, 4, 4)
    assert layer(x) is x
    out = nn.Dropout1d(0.5)(gradlab.ones(4, 8, 5)).numpy()
    assert np.all((out == 0).all(-1) | (out == 2).all(-1))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout2d(2)


def test_unflatten_constructor_errors_match_pytorch(torch):
    for args in ((1, 2), (1, (2.0, 2))):
        messages = []
        for lib in (nn, torch.nn):
            with pytest.raises(TypeError) as info:
                lib.Unflatten(*args)
            messages.append(str(info.value))
        assert messages[0] == messages[1]
