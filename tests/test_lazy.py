"""Lazy modules (gradlab/nn/modules/lazy.py) and nn.LazyLinear (gradlab/nn/modules/linear.py)
against PyTorch: printing before and after the first call, the class a module becomes, shapes,
dtypes, state_dict round trips, copies, and errors."""
import copy
import pickle
import warnings

import pytest

import gradlab


def _run(lib, code):
    """Run ``code`` (statements, the last one an expression) and return what it shows."""
    *statements, last = code.split("; ")
    scope = {"torch": lib, "nn": lib.nn, "copy": copy, "pickle": pickle}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec("; ".join(statements), scope)
            return "ok", repr(eval(last, scope)).replace("gradlab", "torch")
    except Exception as error:
        return "error", error


@pytest.mark.parametrize("code", [
    "net = nn.LazyLinear(1); net", "net = nn.LazyLinear(1); type(net).__name__",
    "net = nn.LazyLinear(1); net.weight", "net = nn.LazyLinear(1); net.bias",
    "net = nn.LazyLinear(3, bias=False); net", "net = nn.LazyLinear(3, bias=False); net.bias",
    "net = nn.LazyLinear(1); (net.in_features, net.out_features)",
    "net = nn.LazyLinear(1); list(net.parameters())", "net = nn.LazyLinear(1); net.has_uninitialized_params()",
    "net = nn.LazyLinear(1); net.state_dict()", "net = nn.LazyLinear(1); [k for k, _ in net.named_parameters()]",
    "net = nn.LazyLinear(1); net.weight.shape", "net = nn.LazyLinear(1); sum(p.numel() for p in net.parameters())",
    "net = nn.LazyLinear(1); type(torch.optim.SGD(net.parameters(), lr=0.1)).__name__",
    # the first call
    "net = nn.LazyLinear(1); net(torch.ones(4, 3)); net",
    "net = nn.LazyLinear(1); net(torch.ones(4, 3)); type(net).__name__",
    "net = nn.LazyLinear(1); net(torch.ones(4, 3)); isinstance(net, nn.LazyLinear), isinstance(net, nn.Linear)",
    "net = nn.LazyLinear(1); net(torch.ones(4, 3)); (net.weight.shape, net.bias.shape, net.in_features)",
    "net = nn.LazyLinear(1); net(torch.ones(4, 3)); type(net.weight).__name__",
    "net = nn.LazyLinear(1); net(torch.ones(4, 3)); net.has_uninitialized_params()",
    "net = nn.LazyLinear(1); y = net(torch.ones(4, 3)); (y.shape, y.grad_fn.name())",
    "net = nn.LazyLinear(2, bias=False); net(torch.ones(3)); (net, net.weight.shape)",
    "net = nn.LazyLinear(2); net(torch.ones(2, 5, 3)); (net, net.weight.shape)",
    "net = nn.LazyLinear(2, dtype=torch.float64); net(torch.ones(2, 5, dtype=torch.float64)); net.weight.dtype",
    "net = nn.LazyLinear(2); net.double(); net(torch.ones(2, 5, dtype=torch.float64)).dtype",
    "net = nn.LazyLinear(2); net.to(torch.float64); (net, net.weight.dtype)",
    "seq = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1)); seq",
    "seq = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1)); seq(torch.ones(2, 7)); seq",
    "net = nn.LazyLinear(2); net.initialize_parameters(torch.ones(2, 4)); (net, type(net).__name__)",
    "net = nn.LazyLinear(0); net(torch.ones(2, 3)); (net, net.weight.shape)",
    # copies and checkpoints
    "copy.deepcopy(nn.LazyLinear(2))", "copy.deepcopy(nn.LazyLinear(2)).weight",
    "pickle.loads(pickle.dumps(nn.LazyLinear(3)))",
    "net = nn.LazyLinear(2); net.load_state_dict(nn.Linear(3, 2).state_dict()); (net, net.weight.shape)",
    "net = nn.LazyLinear(2); net.load_state_dict(nn.Linear(3, 2).state_dict()); net(torch.ones(1, 3)).shape",
    # errors
    "net = nn.LazyLinear(2); net(torch.tensor(1.0))",
    "net = nn.LazyLinear(2); net(torch.ones(2, 5, dtype=torch.float64))",
    "net = nn.LazyLinear(2); net.weight.sum()", "net = nn.LazyLinear(2); net.requires_grad_(False)",
    "nn.Linear(3, 2).load_state_dict(nn.LazyLinear(2).state_dict())",
    "net = nn.LazyLinear(2); net(torch.ones(1, 3)); net(torch.ones(1, 4))",
])
def test_lazy_linear_matches_torch(torch, code):
    (kind, expected), (our_kind, ours) = _run(torch, code), _run(gradlab, code)
    assert our_kind == kind, (expected, ours)
    if kind == "ok":
        assert ours == expected
    else:
        assert type(ours) is type(expected), (expected, ours)


def test_an_optimizer_made_before_the_first_call_trains_the_materialized_parameters():
    net = gradlab.nn.LazyLinear(1)
    optimizer = gradlab.optim.SGD(net.parameters(), lr=0.1)
    net(gradlab.ones(4, 3)).sum().backward()
    before = net.weight.detach().clone()
    optimizer.step()
    assert optimizer.param_groups[0]["params"][0] is net.weight
    assert gradlab.allclose(net.weight, before - 0.1 * 4)


def test_the_first_call_fills_the_parameters_with_linears_starting_values():
    gradlab.manual_seed(0)
    net = gradlab.nn.LazyLinear(5)
    net(gradlab.ones(1, 16))
    bound = 1 / 16 ** 0.5
    assert 0 < float(net.weight.abs().max()) <= bound and 0 < float(net.bias.abs().max()) <= bound
