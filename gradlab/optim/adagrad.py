"""Adagrad: each weight's step shrinks with the sum of all its past squared gradients.

For each parameter p with gradient g, at step t::

    g ← g + weight_decay · p                       (L2 penalty)
    s ← s + g²                                     (sum, from initial_accumulator_value)
    p ← p − lr / (1 + (t − 1) · lr_decay) · g / (√s + eps)

Weights that often get large gradients slow down; rarely-updated ones keep large steps.
"""
import numpy as np

from ..creation import full_like, tensor
from .optimizer import Optimizer, _bump_versions, _check_flags, _check_nonnegative, _signed_grad


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        _check_flags("Adagrad", differentiable, fused)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:  # as PyTorch: the state exists before the first step
            for param in group["params"]:
                self._init_state(param, group)

    def _init_state(self, param, group):
        state = self.state[param]
        state["step"] = tensor(0.0)
        state["sum"] = full_like(param, group["initial_accumulator_value"])

    def _update(self, param, group):
        if not self.state[param]:  # a parameter added later with add_param_group
            self._init_state(param, group)
        state = self.state[param]
        grad = _signed_grad(param, group)
        state["step"]._data += 1
        step = state["step"].item()
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param._data
        step_size = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"]._data
        total += grad * grad
        param._data -= step_size * (grad / (np.sqrt(total) + group["eps"]))
        _bump_versions(param, state)
