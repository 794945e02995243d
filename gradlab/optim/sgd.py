"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

For each parameter p with gradient g (all optional parts off by default)::

    g ← g + weight_decay · p                     (L2 penalty)
    b ← g                          on the first step (the raw gradient, as PyTorch)
    b ← momentum · b + (1 − dampening) · g       afterwards
    g ← g + momentum · b   (nesterov)   or   g ← b
    p ← p − lr · g
"""
from ..autograd.grad_mode import no_grad
from ..tensor import _wrap, bump_version
from .optimizer import Optimizer, _check_flags


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

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                weight_decay, nesterov = group["weight_decay"], group["nesterov"]
                for param in group["params"]:
                    if param._grad is None:
                        continue  # not used in this loss: PyTorch skips it too
                    grad = param._grad._data
                    if group["maximize"]:
                        grad = -grad
                    if weight_decay != 0:
                        grad = grad + weight_decay * param._data
                    if momentum != 0:
                        state = self.state[param]
                        buffer = state.get("momentum_buffer")
                        if buffer is None:
                            buffer = state["momentum_buffer"] = _wrap(grad.copy())
                        else:
                            buffer._data *= momentum
                            buffer._data += (1 - dampening) * grad
                            bump_version(buffer)
                        grad = grad + momentum * buffer._data if nesterov else buffer._data
                    param._data -= lr * grad
                    bump_version(param)
        return loss
