"""gradlab.optim.lr_scheduler (gradlab/optim/lr_scheduler.py): the lr (and momentum) that
every schedule sets, epoch by epoch, its state_dict and its warnings, against PyTorch."""
import warnings

import pytest

import gradlab
from gradlab import nn, optim
from gradlab.optim import lr_scheduler

_SCHEDULES = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.1),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda epoch: 1 / (epoch + 1)),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: e + 1]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda epoch: 0.95),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.25, total_iters=4),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=3),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=13),
    "OneCycleLR-three-phase": lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 2.0], epochs=3,
                                                         steps_per_epoch=4, three_phase=True,
                                                         anneal_strategy="linear"),
}


def _optimizer(lib, kind):
    w = lib.nn.Parameter(lib.ones(2))
    b = lib.nn.Parameter(lib.zeros(1))
    groups = [{"params": [w]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _run(lib, make, kind, steps=12, metrics=None):
    opt = _optimizer(lib, kind)
    scheduler = make(lib.optim.lr_scheduler, opt)
    history = [(scheduler.get_last_lr(), [(g.get("momentum"), g.get("betas")) for g in opt.param_groups])]
    for step in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[step])
        history.append((list(scheduler.get_last_lr()),
                        [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]))
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return history, groups, scheduler.state_dict()


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(_SCHEDULES))
def test_schedules_match_pytorch_step_by_step(torch, name, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # optimizer.step() first: no warning
        ours = _run(gradlab, _SCHEDULES[name], kind)
        theirs = _run(torch, _SCHEDULES[name], kind)
    assert ours == theirs  # exactly: the same float operations in the same order


@pytest.mark.parametrize("kwargs", [
    {"patience": 1},
    {"patience": 0, "cooldown": 2, "factor": 0.5, "min_lr": 0.02},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.5, "patience": 1},
    {"min_lr": [0.0, 0.04], "patience": 1},
])
def test_reduce_lr_on_plateau_matches_pytorch(torch, kwargs):
    metrics = [3.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.5, 1.0, 0.99995, 1.0]
    make = lambda S, o: S.ReduceLROnPlateau(o, **kwargs)  # noqa: E731 (a table entry)
    assert _run(gradlab, make, "SGD", metrics=metrics) == _run(torch, make, "SGD", metrics=metrics)


def test_initial_lr_is_recorded_and_resuming_needs_it(torch):
    for lib in (gradlab, torch):
        opt = _optimizer(lib, "SGD")
        lib.optim.lr_scheduler.StepLR(opt, 2)
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
        fresh = _optimizer(lib, "SGD")
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
            lib.optim.lr_scheduler.StepLR(fresh, 2, last_epoch=3)


def test_scheduler_before_optimizer_warns_like_pytorch(torch):
    messages = []
    for lib in (gradlab, torch):
        scheduler = lib.optim.lr_scheduler.ExponentialLR(_optimizer(lib, "SGD"), 0.5)
        with pytest.warns(UserWarning) as record:
            scheduler.step()
        messages.append([str(w.message) for w in record])
        assert "before `optimizer.step()`" in messages[-1][0]
    assert messages[0] == messages[1]


def test_get_lr_outside_step_warns_and_epoch_argument_uses_closed_form(torch):
    results = []
    for lib in (gradlab, torch):
        opt = _optimizer(lib, "SGD")
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        opt.step()
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            scheduler.get_lr()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
            scheduler.step(5)
        results.append(scheduler.get_last_lr())
    assert results[0] == results[1] == [0.025, 0.0125]


def test_state_dict_round_trip(torch):
    for lib in (gradlab, torch):
        opt = _optimizer(lib, "SGD")
        scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
        for _ in range(3):
            opt.step()
            scheduler.step()
        saved = scheduler.state_dict()
        assert "optimizer" not in saved
        other_opt = _optimizer(lib, "SGD")
        other = lib.optim.lr_scheduler.CosineAnnealingLR(other_opt, T_max=5)
        other.load_state_dict(saved)
        assert other.last_epoch == 3 and other.get_last_lr() == scheduler.get_last_lr()
    ours = lr_scheduler.StepLR(_optimizer(gradlab, "SGD"), 2).state_dict()
    theirs = torch.optim.lr_scheduler.StepLR(_optimizer(torch, "SGD"), 2).state_dict()
    assert ours == theirs


def test_lambda_state_dict_keeps_callable_objects_only(torch):
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    dicts = []
    for lib in (gradlab, torch):
        opt = _optimizer(lib, "SGD")
        scheduler = lib.optim.lr_scheduler.LambdaLR(opt, [Decay(), lambda e: 1.0])
        saved = scheduler.state_dict()
        dicts.append(saved)
        scheduler.lr_lambdas[0].rate = 0.9
        scheduler.load_state_dict(saved)
        assert scheduler.lr_lambdas[0].rate == 0.5
    assert dicts[0] == dicts[1]


@pytest.mark.parametrize("make, error", [
    (lambda S, o: S.StepLR(object(), 2), TypeError),
    (lambda S, o: S.LambdaLR(o, [lambda e: 1.0]), ValueError),
    (lambda S, o: S.MultiplicativeLR(o, [1.0, 2.0]), TypeError),
    (lambda S, o: S.ConstantLR(o, factor=2.0), ValueError),
    (lambda S, o: S.LinearLR(o, start_factor=0.0), ValueError),
    (lambda S, o: S.LinearLR(o, end_factor=1.5), ValueError),
    (lambda S, o: S.ReduceLROnPlateau(o, factor=1.0), ValueError),
    (lambda S, o: S.ReduceLROnPlateau(o, mode="middle"), ValueError),
    (lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="ratio"), ValueError),
    (lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError),
    (lambda S, o: S.OneCycleLR(o, 1.0), ValueError),
    (lambda S, o: S.OneCycleLR(o, 1.0, total_steps=0), ValueError),
    (lambda S, o: S.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=0), ValueError),
    (lambda S, o: S.OneCycleLR(o, 1.0, total_steps=5, pct_start=1), ValueError),
    (lambda S, o: S.OneCycleLR(o, 1.0, total_steps=5, anneal_strategy="step"), ValueError),
    (lambda S, o: S.OneCycleLR(o, [1.0], total_steps=5), ValueError),
])
def test_errors_match_pytorch(torch, make, error):
    messages = []
    for lib in (gradlab, torch):
        with pytest.raises(error) as info:
            make(lib.optim.lr_scheduler, _optimizer(lib, "SGD"))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_one_cycle_refuses_steps_past_the_end(torch):
    messages = []
    for lib in (gradlab, torch):
        opt = _optimizer(lib, "SGD")
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=2)
        opt.step()
        scheduler.step()
        scheduler.step()
        with pytest.raises(ValueError) as info:
            scheduler.step()
        messages.append(str(info.value))
    assert messages[0] == messages[1] == ("Tried to step 3 times. The specified number of total "
                                          "steps is 2")


def test_one_cycle_needs_momentum():
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad([nn.Parameter(gradlab.ones(1))]), 1.0, total_steps=4)
    lr_scheduler.OneCycleLR(optim.Adagrad([nn.Parameter(gradlab.ones(1))]), 1.0, total_steps=4,
                            cycle_momentum=False)
