"""``gradlab.autograd``: the engine (``backward``, ``grad``, ``iter_backward``),
custom operations (``Function``), ``gradcheck`` and ``functional``.

``iter_backward`` is gradlab's addition: the engine run one node at a time,
yielding what each step did — the backprop stepper is built on it. So is
``derivative`` (``Derivatives``): the record in which every grad_fn class
states its forward formula and each input's derivative, once.
"""
from . import functional, graph
from .engine import BackwardStep, backward, grad, iter_backward
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import AccumulateGrad, Node

__all__ = [
    "AccumulateGrad", "BackwardStep", "Function", "GradcheckError", "Node", "backward",
    "enable_grad", "functional", "grad", "gradcheck", "gradgradcheck", "graph",
    "inference_mode", "is_grad_enabled", "iter_backward", "no_grad", "once_differentiable",
    "set_grad_enabled",
]
