"""gradlab.optim (gradlab/optim/): SGD, Adam, AdamW, Adagrad and RMSprop step for step against PyTorch,
param_groups, zero_grad, state_dict, and PyTorch's errors."""
import numpy as np
import pytest

import gradlab
from gradlab import nn, optim

_RNG = np.random.default_rng(0)
_X = _RNG.standard_normal((16, 5)).astype(np.float32)
_Y = _RNG.integers(0, 3, 16)


def _models(torch):
    """The same 5→8→3 MLP in both libraries, with PyTorch's initial weights copied over."""
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    ours = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    ours.load_state_dict({k: gradlab.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _train_both(torch, make_optimizer, steps=6, rtol=1e-5, atol=1e-6, closure=False):
    ours, theirs = _models(torch)
    our_opt = make_optimizer(optim, ours.parameters())
    their_opt = make_optimizer(torch.optim, theirs.parameters())
    our_weights = list(ours.parameters())
    for step in range(steps):
        for lib, model, opt, x, y in (
            (gradlab, ours, our_opt, gradlab.tensor(_X), gradlab.tensor(_Y)),
            (torch, theirs, their_opt, torch.tensor(_X), torch.tensor(_Y)),
        ):
            def compute_loss():
                opt.zero_grad()
                loss = lib.nn.functional.cross_entropy(model(x), y)
                loss.backward()
                return loss

            if closure:
                model.last_loss = opt.step(compute_loss).item()
            else:
                model.last_loss = compute_loss().item()
                opt.step()
        assert np.isclose(ours.last_loss, theirs.last_loss, rtol=rtol, atol=atol), step
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"{name} after step {step}")
    # the same leaf objects, still trainable
    assert list(ours.parameters()) == our_weights
    assert all(p.is_leaf and p.requires_grad and isinstance(p, nn.Parameter) for p in our_weights)
    return our_opt, their_opt


@pytest.mark.parametrize("make", [
    lambda optim, params: optim.SGD(params, lr=0.1),
    lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9),
    lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.5),
    lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    lambda optim, params: optim.SGD(params, lr=0.05, momentum=0.5, weight_decay=0.1),
    lambda optim, params: optim.SGD(params, lr=0.1, weight_decay=0.01, maximize=True),
    lambda optim, params: optim.Adam(params),
    lambda optim, params: optim.Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    lambda optim, params: optim.Adam(params, lr=0.01, weight_decay=0.1),
    lambda optim, params: optim.Adam(params, lr=0.01, amsgrad=True),
    lambda optim, params: optim.Adam(params, lr=0.01, weight_decay=0.1, amsgrad=True),
    lambda optim, params: optim.Adam(params, lr=0.01, weight_decay=0.1,
                                     decoupled_weight_decay=True),
    lambda optim, params: optim.RMSprop(params),
    lambda optim, params: optim.RMSprop(params, lr=0.001, alpha=0.9, momentum=0.9),
    lambda optim, params: optim.RMSprop(params, lr=0.001, centered=True, weight_decay=0.1),
    lambda optim, params: optim.RMSprop(params, lr=0.001, centered=True, momentum=0.5),
    lambda optim, params: optim.RMSprop(params, lr=0.001, maximize=True),
    lambda optim, params: optim.AdamW(params),
    lambda optim, params: optim.AdamW(params, lr=0.01, weight_decay=0.1, amsgrad=True),
    lambda optim, params: optim.AdamW(params, lr=0.01, maximize=True),
    lambda optim, params: optim.Adagrad(params),
    lambda optim, params: optim.Adagrad(params, lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                        initial_accumulator_value=0.5, eps=1e-6),
    lambda optim, params: optim.Adagrad(params, lr=0.1, maximize=True),
    lambda optim, params: optim.SGD([{"params": params}], lr=0.1, momentum=0.9,
                                    nesterov=True, weight_decay=0.01, maximize=True),
])
def test_steps_match_pytorch(torch, make):
    _train_both(torch, make)


def test_step_with_closure_returns_the_loss(torch):
    _train_both(torch, lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9),
                steps=3, closure=True)


def test_param_groups_and_repr_match_pytorch(torch):
    for make in (lambda lib, m: lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
                 lambda lib, m: lib.optim.Adam([{"params": m[0].parameters()},
                                                {"params": m[2].parameters(), "lr": 0.1}]),
                 lambda lib, m: lib.optim.RMSprop(m.parameters()),
                 lambda lib, m: lib.optim.AdamW(m.parameters(), amsgrad=True),
                 lambda lib, m: lib.optim.Adagrad(m.parameters(), lr_decay=0.5)):
        ours, theirs = _models(torch)
        our_opt, their_opt = make(gradlab, ours), make(torch, theirs)
        assert repr(our_opt) == repr(their_opt)
        for a, b in zip(our_opt.param_groups, their_opt.param_groups):
            assert {k: v for k, v in a.items() if k != "params"} == \
                {k: v for k, v in b.items() if k != "params"}
            assert len(a["params"]) == len(b["params"])
        assert our_opt.defaults == their_opt.defaults


def test_add_param_group_fills_defaults():
    first, second = nn.Linear(2, 2), nn.Linear(2, 2)
    opt = optim.SGD(first.parameters(), lr=0.1, momentum=0.9)
    opt.add_param_group({"params": second.parameters(), "lr": 0.01})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [first.weight]})


def test_zero_grad_none_or_zeros_in_place():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(gradlab.ones(1, 3)).sum().backward()
    grad = model.weight.grad
    opt.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and not grad.any()
    assert grad.shape == (2, 3) and grad.dtype == gradlab.float32
    model(gradlab.ones(1, 3)).sum().backward()
    assert model.weight.grad is grad and grad.any()  # accumulated into the same tensor
    opt.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_parameters_without_grad_are_skipped():
    used, unused = nn.Parameter(gradlab.tensor([1.0])), nn.Parameter(gradlab.tensor([2.0]))
    for make in (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p),
                 lambda p: optim.RMSprop(p, momentum=0.5)):
        opt = make([used, unused])
        (used * 3).sum().backward()
        opt.step()
        assert unused.item() == 2.0 and unused not in opt.state
        assert used.item() != 1.0 and used in opt.state
        opt.zero_grad()


def test_sgd_first_momentum_buffer_is_the_raw_gradient():
    p = nn.Parameter(gradlab.tensor([1.0, 2.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    (p * gradlab.tensor([3.0, 4.0])).sum().backward()
    opt.step()
    assert opt.state[p]["momentum_buffer"].tolist() == [3.0, 4.0]
    np.testing.assert_allclose(p.detach().numpy(), [0.7, 1.6])


def test_step_bumps_the_version_so_stale_graphs_fail():
    w = nn.Parameter(gradlab.tensor([1.0, 2.0]))
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_adam_state_matches_pytorch_layout(torch):
    our_opt, their_opt = _train_both(torch, lambda optim, p: optim.Adam(p, amsgrad=True), steps=2)
    our_state = our_opt.state_dict()
    their_state = their_opt.state_dict()
    assert list(our_state["state"]) == list(their_state["state"])
    assert list(our_state["state"][0]) == list(their_state["state"][0])
    assert repr(our_state["state"][0]["step"]) == repr(their_state["state"][0]["step"])
    assert our_state["param_groups"] == their_state["param_groups"]


def test_state_dict_round_trip_continues_identically():
    def run(reload):
        gradlab.manual_seed(0)
        model = nn.Linear(3, 1)
        opt = optim.Adam(model.parameters(), lr=0.1)
        x = gradlab.randn(8, 3)
        for step in range(4):
            if reload and step == 2:
                saved = opt.state_dict()
                opt = optim.Adam(model.parameters(), lr=0.5)
                opt.load_state_dict(saved)
            opt.zero_grad()
            (model(x) ** 2).mean().backward()
            opt.step()
        return model.weight.detach().numpy().copy(), opt.param_groups[0]["lr"]

    plain, reloaded = run(False), run(True)
    np.testing.assert_array_equal(plain[0], reloaded[0])
    assert reloaded[1] == 0.1


def test_load_state_dict_checks_group_sizes():
    opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    other = optim.SGD([nn.Parameter(gradlab.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(other.state_dict())


@pytest.mark.parametrize("make", [
    lambda optim, p: optim.SGD(p, lr=-0.1),
    lambda optim, p: optim.SGD(p, lr=0.1, momentum=-1),
    lambda optim, p: optim.SGD(p, lr=0.1, weight_decay=-1),
    lambda optim, p: optim.SGD(p, lr=0.1, nesterov=True),
    lambda optim, p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    lambda optim, p: optim.Adam(p, lr=-1.0),
    lambda optim, p: optim.Adam(p, eps=-1.0),
    lambda optim, p: optim.Adam(p, betas=(1.0, 0.999)),
    lambda optim, p: optim.Adam(p, betas=(0.9, -0.1)),
    lambda optim, p: optim.Adam(p, weight_decay=-1e-3),
    lambda optim, p: optim.RMSprop(p, alpha=-0.5),
    lambda optim, p: optim.RMSprop(p, momentum=-0.5),
    lambda optim, p: optim.AdamW(p, lr=-1.0),
    lambda optim, p: optim.AdamW(p, betas=(0.9, 1.0)),
    lambda optim, p: optim.Adagrad(p, lr=-1.0),
    lambda optim, p: optim.Adagrad(p, lr_decay=-1.0),
    lambda optim, p: optim.Adagrad(p, weight_decay=-1.0),
    lambda optim, p: optim.Adagrad(p, initial_accumulator_value=-1.0),
    lambda optim, p: optim.Adagrad(p, eps=-1.0),
    lambda optim, p: optim.SGD([], lr=0.1),
    lambda optim, p: optim.Adam(iter([])),
])
def test_invalid_arguments_match_pytorch(torch, make):
    errors = []
    for lib, param in ((gradlab, nn.Parameter(gradlab.zeros(1))),
                       (torch, torch.nn.Parameter(torch.zeros(1)))):
        with pytest.raises(ValueError) as info:
            make(lib.optim, [param])
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_params_type_errors(torch):
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got "
                                        "torch.FloatTensor"):
        optim.SGD(nn.Parameter(gradlab.zeros(1)), lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([nn.Parameter(gradlab.zeros(1)) * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {nn.Parameter(gradlab.zeros(1))}}], lr=0.1)


def test_plain_tensors_can_be_optimized():
    w = gradlab.tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)
    for _ in range(20):
        opt.zero_grad()
        ((w - 1) ** 2).sum().backward()
        opt.step()
    assert abs(w.item() - 1.0) < 1e-4


def test_state_dicts_print_like_pytorch(torch):
    texts = []
    for lib in (gradlab, torch):
        model = lib.nn.Linear(2, 1)
        with lib.no_grad():
            model.weight.fill_(0.5)
            model.bias.fill_(0.25)
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(lib.ones(3, 2)).sum().backward()
        opt.step()
        texts.append((repr(opt.state_dict()), repr(model.state_dict()), repr(dict(opt.state))))
    assert texts[0] == texts[1]


def test_named_parameters_give_param_names(torch):
    texts = []
    for lib in (gradlab, torch):
        model = lib.nn.Linear(2, 1)
        opt = lib.optim.SGD(model.named_parameters(), lr=0.1)
        assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
        assert opt.param_groups[0]["params"] == [model.weight, model.bias]
        texts.append((repr(opt), opt.state_dict()["param_groups"]))
        with pytest.raises(ValueError, match="Some param names are missing"):
            lib.optim.SGD([("w", model.weight), model.bias], lr=0.1)
    assert texts[0] == texts[1]


def test_adamw_is_adam_with_decoupled_weight_decay(torch):
    assert issubclass(optim.AdamW, optim.Adam)
    our_opt = optim.AdamW([nn.Parameter(gradlab.zeros(1))])
    their_opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))])
    assert our_opt.defaults == their_opt.defaults
    assert repr(our_opt) == repr(their_opt)


def test_adagrad_state_exists_before_the_first_step(torch):
    texts = []
    for lib in (gradlab, torch):
        w = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
        opt = lib.optim.Adagrad([w], initial_accumulator_value=0.25)
        before = repr(opt.state_dict())
        (w * w).sum().backward()
        opt.step()
        texts.append((before, repr(opt.state_dict())))
    assert texts[0] == texts[1]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"])
def test_state_dict_round_trip_matches_pytorch(torch, name):
    """Train two steps, save, load into a fresh optimizer over a copy, and train on: the
    saved dict and the weights match PyTorch's at every point."""
    kwargs = {"lr": 0.1, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.1}
    results = []
    for lib in (gradlab, torch):
        w = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
        b = lib.nn.Parameter(lib.tensor([0.3]))
        opt = getattr(lib.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.05}], **kwargs)
        for _ in range(2):
            opt.zero_grad()
            ((w * w).sum() * b.sum()).backward()
            opt.step()
        saved = opt.state_dict()
        w2 = lib.nn.Parameter(w.detach().clone())
        b2 = lib.nn.Parameter(b.detach().clone())
        opt2 = getattr(lib.optim, name)([{"params": [w2]}, {"params": [b2]}], lr=1.0)
        opt2.load_state_dict(saved)
        for _ in range(2):
            opt2.zero_grad()
            ((w2 * w2).sum() * b2.sum()).backward()
            opt2.step()
        results.append((repr(saved), repr(opt2.state_dict()), repr(opt2), w2.tolist(), b2.tolist()))
    ours, theirs = results
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3] + ours[4], theirs[3] + theirs[4], rtol=1e-5)


def test_add_param_group_matches_pytorch(torch):
    texts = []
    for lib in (gradlab, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1, momentum=0.9)
        opt.add_param_group({"params": lib.nn.Parameter(lib.ones(1)), "lr": 0.5})
        texts.append((repr(opt), [len(g["params"]) for g in opt.param_groups]))
        with pytest.raises(ValueError, match="some parameters appear in more than one"):
            opt.add_param_group({"params": opt.param_groups[0]["params"]})
    assert texts[0] == texts[1]


def test_zero_grad_sets_none_by_default(torch):
    for lib in (gradlab, torch):
        w = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.Adagrad([w])
        w.sum().backward()
        opt.zero_grad()
        assert w.grad is None
