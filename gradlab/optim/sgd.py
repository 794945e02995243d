"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

For each parameter p with gradient g (all optional parts off by default)::

    g ← g + weight_decay · p                     (L2 penalty)
    b ← g                          on the first step (the raw gradient, as PyTorch)
    b ← momentum · b + (1 − dampening) · g       afterwards
    g ← g + momentum · b   (nesterov)   or   g ← b
    p ← p − lr · g
"""
from ..tensor import _wrap, bump_version
from .optimizer import Optimizer, _check_flags, _signed_grad


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_flags("SGD", differentiable, fused)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, param, group):
        grad = _signed_grad(param, group)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param._data
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[param]
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = _wrap(grad.copy())
            else:
                buffer._data *= momentum
                buffer._data += (1 - group["dampening"]) * grad
                bump_version(buffer)
            grad = grad + momentum * buffer._data if group["nesterov"] else buffer._data
        param._data -= group["lr"] * grad
        bump_version(param)
