"""RMSprop: divide each gradient by a running root-mean-square of its recent values.

For each parameter p with gradient g::

    g ← g + weight_decay · p
    v ← α · v + (1 − α) · g²                      (square_avg)
    ḡ ← α · ḡ + (1 − α) · g;  v̂ = v − ḡ²           (centered only: a variance, not a raw mean)
    b ← momentum · b + g / (√v̂ + eps);  p ← p − lr · b      (momentum > 0)
    p ← p − lr · g / (√v̂ + eps)                              (otherwise)
"""
import numpy as np

from ..creation import tensor, zeros_like
from .optimizer import Optimizer, _bump_versions, _check_flags, _check_nonnegative, _signed_grad


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        _check_flags("RMSprop", differentiable, None, capturable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, param, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        state = self.state[param]
        if not state:
            state["step"] = tensor(0.0)
            state["square_avg"] = zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        p = param._data
        grad = _signed_grad(param, group)
        state["step"]._data += 1
        if weight_decay != 0:
            grad = grad + weight_decay * p
        square_avg = state["square_avg"]._data
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            grad_avg += (1 - alpha) * (grad - grad_avg)  # PyTorch: grad_avg.lerp_(grad, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buffer = state["momentum_buffer"]._data
            buffer *= momentum
            buffer += grad / avg
            p -= lr * buffer
        else:
            p -= lr * (grad / avg)
        _bump_versions(param, state)
