"""AdamW: Adam with *decoupled* weight decay (Loshchilov & Hutter).

Adam's ``weight_decay`` adds ``weight_decay · p`` to the gradient, so the penalty is
divided by √v like everything else: weights with large gradients barely decay.
AdamW shrinks the weights directly instead, before the Adam step::

    p ← p · (1 − lr · weight_decay)
    (then Adam's update, with the raw gradient)

It is ``Adam(..., decoupled_weight_decay=True)`` with a default ``weight_decay`` of 0.01.
"""
from .adam import Adam


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
