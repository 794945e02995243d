"""Every derivative is written once, in its node's ``derivatives`` record: these tests hold
each record to the node's real ``backward`` and check what is shown from it.

``SAMPLES`` makes each grad_fn from float64 leaves; for every input the formula is
evaluated with NumPy on the names the node knows (its inputs, ``out``, ctx values) and
compared with what the node's backward returns for a random ``grad_out``. A node class
whose record holds a formula (not words) and has no sample fails
``test_every_formula_is_sampled``.
"""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gradlab as torch
from gradlab.autograd.derivative import Derivatives, Formula, Words
from gradlab.autograd.node import Node
from gradlab.ops.indexing import IndexAddBackward0, ScatterAddBackward0

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (grad_fn name, function of leaf tensors that makes it, input shapes). An input shape
# written as ("signed", shape) gets values of both signs, ("unit", shape) values in
# [0.05, 0.95] (probabilities); others lie in [0.5, 2].
SAMPLES = [
    # ---------------------------------------------------------------- arithmetic
    ("AddBackward0", lambda a, b: a + b, [(2, 3), (3,)]),
    ("AddBackward0", lambda a, b: torch.add(a, b, alpha=2.5), [(2, 3), (2, 3)]),
    ("SubBackward0", lambda a, b: torch.sub(a, b, alpha=-1.5), [(3,), (2, 3)]),
    ("RsubBackward0", lambda a, b: torch.rsub(a, b, alpha=2.0), [(3,), (3,)]),
    ("RsubBackward1", lambda a: 2 - a, [(4,)]),
    ("MulBackward0", lambda a, b: a * b, [("signed", (2, 3)), ("signed", (2, 1))]),
    ("DivBackward0", lambda a, b: a / b, [("signed", (3,)), (2, 3)]),
    ("DivBackward2", lambda a, b: torch.div(a, b, rounding_mode="floor"), [(3,), (3,)]),
    ("MulBackward1", lambda a: torch.ops.arithmetic.mul_number(a, -2.5), [("signed", (2, 3))]),
    ("AddBackward1", lambda a: torch.ops.arithmetic.add_number(a, 0.25), [(3,)]),
    ("SubBackward1", lambda a: torch.ops.arithmetic.sub_number(a, 0.25), [(3,)]),
    ("DivBackward1", lambda a: torch.ops.arithmetic.div_number(a, 4), [("signed", (3,))]),
    ("NegBackward0", lambda a: -a, [("signed", (3,))]),
    ("ReciprocalBackward0", lambda a: torch.reciprocal(a), [("signed", (3,))]),
    ("PowBackward0", lambda a: a ** 3, [("signed", (3,))]),
    ("PowBackward0", lambda a: a ** 0.5, [(2, 2)]),
    ("PowBackward1", lambda a, b: a ** b, [(3,), ("signed", (3,))]),
    ("PowBackward2", lambda b: 2.5 ** b, [("signed", (3,))]),
    ("RemainderBackward0", lambda a: a % 0.7, [(3,)]),
    ("RemainderBackward1", lambda a, b: a % b, [("signed", (4,)), (4,)]),
    ("FmodBackward0", lambda a: torch.fmod(a, 0.7), [("signed", (3,))]),
    ("FmodBackward1", lambda a, b: torch.fmod(a, b), [("signed", (4,)), (4,)]),
    # ---------------------------------------------------------------- pointwise, activation
    ("ExpBackward0", lambda a: torch.exp(a), [("signed", (2, 3))]),
    ("LogBackward0", lambda a: torch.log(a), [(2, 3)]),
    ("Log1PBackward0", lambda a: torch.log1p(a), [(3,)]),
    ("Expm1Backward0", lambda a: torch.expm1(a), [("signed", (3,))]),
    ("Log10Backward0", lambda a: torch.log10(a), [(3,)]),
    ("Log2Backward0", lambda a: torch.log2(a), [(3,)]),
    ("Exp2Backward0", lambda a: torch.exp2(a), [("signed", (3,))]),
    ("SinhBackward0", lambda a: torch.sinh(a), [("signed", (3,))]),
    ("CoshBackward0", lambda a: torch.cosh(a), [("signed", (3,))]),
    ("AsinBackward0", lambda a: torch.asin(a), [("unit", (3,))]),
    ("AcosBackward0", lambda a: torch.acos(a), [("unit", (3,))]),
    ("AtanBackward0", lambda a: torch.atan(a), [("signed", (3,))]),
    ("Atan2Backward0", lambda a, b: torch.atan2(a, b), [("signed", (2, 3)), ("signed", (3,))]),
    ("ErfBackward0", lambda a: torch.erf(a), [("signed", (3,))]),
    ("LogitBackward0", lambda a: torch.logit(a), [("unit", (3,))]),
    ("XlogyBackward0", lambda a, b: torch.xlogy(a, b), [("signed", (2, 3)), (3,)]),
    ("XlogyBackward1", lambda b: torch.xlogy(2.5, b), [(3,)]),
    ("XlogyBackward2", lambda a: torch.xlogy(a, 2.5), [("signed", (3,))]),
    ("FracBackward0", lambda a: torch.frac(a), [("signed", (3,))]),
    ("NanToNumBackward0", lambda a: torch.nan_to_num(a), [("signed", (3,))]),
    ("SqrtBackward0", lambda a: torch.sqrt(a), [(2, 3)]),
    ("RsqrtBackward0", lambda a: torch.rsqrt(a), [(3,)]),
    ("SinBackward0", lambda a: torch.sin(a), [("signed", (3,))]),
    ("CosBackward0", lambda a: torch.cos(a), [("signed", (3,))]),
    ("TanBackward0", lambda a: torch.tan(a), [("signed", (3,))]),
    ("TanhBackward0", lambda a: torch.tanh(a), [("signed", (2, 3))]),
    ("SigmoidBackward0", lambda a: torch.sigmoid(a), [("signed", (2, 3))]),
    ("ReluBackward0", lambda a: torch.relu(a), [("signed", (2, 3))]),
    ("AbsBackward0", lambda a: torch.abs(a), [("signed", (2, 3))]),
    ("ClampBackward1", lambda a: torch.clamp(a, -1.0, 1.5), [("signed", (2, 3))]),
    # bounds drawn from the same range: some have min > max (then out = max)
    ("ClampBackward0", lambda a, low, high: torch.clamp(a, low, high), [("signed", (4, 3)), (3,), (4, 1)]),
    ("ClampMinBackward0", lambda a: torch.clamp_min(a, 1.2), [(2, 3)]),
    ("ClampMaxBackward0", lambda a: torch.clamp_max(a, 1.2), [(2, 3)]),
    ("ClampMinBackward1", lambda a, low: torch.clamp_min(a, low), [(2, 3), (3,)]),
    ("ClampMaxBackward1", lambda a, high: torch.clamp_max(a, high), [(2, 3), (2, 1)]),
    ("MaximumBackward0", lambda a, b: torch.maximum(a, b), [(2, 3), (3,)]),
    ("MinimumBackward0", lambda a, b: torch.minimum(a, b), [(3,), (2, 3)]),
    # ties (a == b) split the gradient in halves; b is read from what the node saved
    ("MaximumBackward0", lambda a: torch.maximum(a, a.clamp(max=1.2)), [(2, 3)]),
    ("MinimumBackward0", lambda a: torch.minimum(a, a.clamp(min=1.2)), [(2, 3)]),
    ("RoundBackward0", lambda a: torch.round(a), [("signed", (3,))]),
    ("RoundBackward1", lambda a: torch.round(a, decimals=1), [(3,)]),
    ("FloorBackward0", lambda a: torch.floor(a), [("signed", (3,))]),
    ("CeilBackward0", lambda a: torch.ceil(a), [("signed", (3,))]),
    ("TruncBackward0", lambda a: torch.trunc(a), [("signed", (3,))]),
    ("SignBackward0", lambda a: torch.sign(a), [("signed", (3,))]),
    ("SgnBackward0", lambda a: torch.sgn(a), [("signed", (3,))]),
    ("WhereBackward0", lambda a, b: torch.where(a > 1.2, a, b), [(2, 3), (3,)]),
    ("WhereBackward0", lambda a: torch.where(a > 1.2, a, 0.0), [(2, 3)]),
    ("MaskedFillBackward0", lambda a: a.masked_fill(a > 1.2, 0.25), [(2, 3)]),
    ("MaskedFillBackward0", lambda a: a.masked_fill(torch.tensor([True, False, True]), 0.25), [(2, 3)]),
    ("MaskedFillBackward1", lambda a, value: a.masked_fill(a > 1.2, value), [(2, 3), ()]),
    ("LeakyReluBackward0", lambda a: torch.nn.functional.leaky_relu(a), [("signed", (2, 3))]),
    ("LeakyReluBackward0", lambda a: torch.nn.functional.leaky_relu(a, 0.2), [("signed", (2, 3))]),
    ("LeakyReluBackward1", lambda a: torch.nn.functional.leaky_relu(a.clone(), 0.2, inplace=True),
     [("signed", (2, 3))]),
    # double backward: the gradient of tanh / sigmoid / relu, itself an op of (grad, y = out)
    ("TanhBackwardBackward0", lambda grad, y: torch.ops.pointwise.TanhBackwardBackward0.apply(grad, y),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("SigmoidBackwardBackward0",
     lambda grad, y: torch.ops.pointwise.SigmoidBackwardBackward0.apply(grad, y),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("ThresholdBackwardBackward0",
     lambda grad, y: torch.ops.pointwise.ThresholdBackwardBackward0.apply(grad, y.relu(), threshold=0),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    # double backward: the gradient of leaky_relu / gelu, itself an op of (grad, a)
    ("LeakyReluBackwardBackward0",
     lambda grad, a: torch.autograd.grad(torch.nn.functional.leaky_relu(a, 0.2), a, grad,
                                         create_graph=True)[0],
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("GeluBackward0", lambda a: torch.nn.functional.gelu(a), [("signed", (2, 3))]),
    ("GeluBackward0", lambda a: torch.nn.functional.gelu(a, approximate="tanh"), [("signed", (2, 3))]),
    ("GeluBackwardBackward0",
     lambda grad, a: torch.autograd.grad(torch.nn.functional.gelu(a), a, grad, create_graph=True)[0],
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("GeluBackwardBackward0",
     lambda grad, a: torch.autograd.grad(torch.nn.functional.gelu(a, approximate="tanh"), a, grad,
                                         create_graph=True)[0],
     [("signed", (2, 3)), ("signed", (2, 3))]),
    # ---------------------------------------------------------------- reduction, linalg, copy
    ("SumBackward0", lambda a: a.sum(), [(2, 3)]),
    ("SumBackward1", lambda a: a.sum(1), [(2, 3)]),
    ("SumBackward1", lambda a: a.sum((0, 2), keepdim=True), [(2, 3, 4)]),
    ("MeanBackward0", lambda a: a.mean(), [(2, 3)]),
    ("MeanBackward1", lambda a: a.mean(0), [(3, 4)]),
    ("MeanBackward1", lambda a: a.mean((0, 2), keepdim=True), [(2, 3, 4)]),
    ("MaxBackward1", lambda a: a.max(), [("signed", (2, 3))]),
    ("MinBackward1", lambda a: a.min(), [("signed", (2, 3))]),
    ("AmaxBackward0", lambda a: a.amax(1), [("signed", (2, 3))]),
    ("AmaxBackward0", lambda a: a.amax((0, 2), keepdim=True), [("signed", (2, 3, 4))]),
    ("AmaxBackward0", lambda a: a.amax(), [("signed", (2, 3))]),
    ("AminBackward0", lambda a: a.amin(0), [("signed", (2, 3))]),
    ("AminBackward0", lambda a: a.amin((1, 2), keepdim=True), [("signed", (2, 3, 4))]),
    ("VarBackward0", lambda a: a.var(), [("signed", (2, 3))]),
    ("VarBackward0", lambda a: a.var(1, keepdim=True), [("signed", (2, 3))]),
    ("VarBackward0", lambda a: a.var((0, 2), correction=0), [("signed", (2, 3, 4))]),
    ("StdBackward0", lambda a: a.std(), [("signed", (2, 3))]),
    ("StdBackward0", lambda a: a.std(0, keepdim=True, correction=2), [("signed", (4, 3))]),
    ("LogsumexpBackward0", lambda a: torch.logsumexp(a, 1), [("signed", (2, 3))]),
    ("LogsumexpBackward0", lambda a: torch.logsumexp(a, (0, 2), keepdim=True), [("signed", (2, 3, 4))]),
    ("SoftmaxBackward0", lambda a: torch.softmax(a, 1), [("signed", (2, 3))]),
    ("SoftmaxBackward0", lambda a: torch.softmax(a, 0), [("signed", (3, 2, 2))]),
    ("LogSoftmaxBackward0", lambda a: torch.log_softmax(a, -1), [("signed", (2, 3))]),
    ("LogSoftmaxBackward0", lambda a: torch.log_softmax(a, 0), [("signed", (3, 2))]),
    # double backward: the gradient of softmax / log_softmax, itself an op of (grad, y = out)
    ("SoftmaxBackwardDataBackward0",
     lambda grad, y: torch.ops.reduction.SoftmaxBackwardDataBackward0.apply(grad, y, dim=1),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("LogSoftmaxBackwardDataBackward0",
     lambda grad, y: torch.ops.reduction.LogSoftmaxBackwardDataBackward0.apply(grad, y, dim=0),
     [("signed", (3, 2)), ("signed", (3, 2))]),
    ("DotBackward0", lambda a, b: torch.dot(a, b), [("signed", (3,)), ("signed", (3,))]),
    ("MvBackward0", lambda M, v: torch.mv(M, v), [("signed", (2, 3)), ("signed", (3,))]),
    ("MmBackward0", lambda A, B: A @ B, [("signed", (2, 3)), ("signed", (3, 4))]),
    ("BmmBackward0", lambda A, B: torch.bmm(A, B), [("signed", (2, 2, 3)), ("signed", (2, 3, 4))]),
    ("SqueezeBackward4", lambda a, B: a @ B, [("signed", (3,)), ("signed", (3, 4))]),
    # F.linear(x, W, b) is addmm(b, x, Wᵀ): W = Bᵀ makes B the node's own input (a view of it);
    # with .contiguous(), B reaches the node stored transposed (backward's b_is_transposed path)
    ("AddmmBackward0", lambda bias, A, B: torch.nn.functional.linear(A, B.t(), bias),
     [("signed", (4,)), ("signed", (2, 3)), ("signed", (3, 4))]),
    ("AddmmBackward0", lambda bias, A, B: torch.nn.functional.linear(A, B.t().contiguous(), bias),
     [("signed", (2, 4)), ("signed", (2, 3)), ("signed", (3, 4))]),
    ("CloneBackward0", lambda a: a.clone(), [("signed", (2, 3))]),
    ("ToCopyBackward0", lambda a: a.float(), [("signed", (2, 3))]),
    # ---------------------------------------------------------------- shape, indexing, inplace
    ("ViewBackward0", lambda a: a.view(6), [(2, 3)]),
    ("ViewBackward0", lambda a: a.reshape(3, -1, 1), [(2, 3)]),
    ("UnsafeViewBackward0", lambda a: a.t().reshape(6), [(2, 3)]),
    ("UnsafeViewBackward0", lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    ("ReshapeAliasBackward0", lambda a: a.t().reshape(4, 1, 3), [(3, 4)]),
    ("TBackward0", lambda a: a.t(), [(2, 3)]),
    ("TBackward0", lambda a: a.t(), [(3,)]),
    ("TransposeBackward0", lambda a: a.transpose(0, 2), [(2, 3, 4)]),
    ("TransposeBackward0", lambda a: a.transpose(-1, 1), [(2, 3, 4)]),
    ("TBackward1", lambda a: (a * 1).t_(), [(2, 3)]),
    ("TransposeBackward1", lambda a: (a * 1).transpose_(0, 2), [(2, 3, 4)]),
    ("SqueezeBackward3", lambda a: (a * 1).squeeze_(), [(2, 1, 3, 1)]),
    ("SqueezeBackward5", lambda a: (a * 1).squeeze_((1, 3)), [(2, 1, 3, 1)]),
    ("UnsqueezeBackward1", lambda a: (a * 1).unsqueeze_(1), [(2, 3)]),
    ("AddcmulBackward0", lambda a, b, c: a.addcmul(b, c, value=-1.5), [(2, 3), ("signed", (3,)), (2, 1)]),
    ("AddcmulBackward0", lambda a, b, c: (a * 1).addcmul_(b, c), [(2, 3), (2, 3), ("signed", (2, 3))]),
    ("AddcdivBackward0", lambda a, b, c: a.addcdiv(b, c, value=0.5), [(2, 3), ("signed", (3,)), (2, 1)]),
    ("LerpBackward0", lambda a, b: a.lerp(b, 0.3), [(2, 3), ("signed", (3,))]),
    ("LerpBackward0", lambda a, b: a.lerp(b, 0.75), [(3,), (3,)]),
    ("LerpBackward1", lambda a, b, w: a.lerp(b, w), [(2, 3), ("signed", (3,)), ("unit", (2, 1))]),
    ("PermuteBackward0", lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
    ("UnsqueezeBackward0", lambda a: a.unsqueeze(1), [(2, 3)]),
    ("UnsqueezeBackward0", lambda a: a.unsqueeze(-1), [(2, 3)]),
    ("SqueezeBackward0", lambda a: a.squeeze(), [(2, 1, 3, 1)]),
    ("SqueezeBackward1", lambda a: a.squeeze(1), [(2, 1, 3)]),
    ("SqueezeBackward1", lambda a: a.squeeze(0), [(2, 3)]),
    ("SqueezeBackward2", lambda a: a.squeeze((1, 2)), [(2, 1, 3, 1)]),
    ("ExpandBackward0", lambda a: a.expand(2, 3, 4), [(3, 1)]),
    ("ExpandBackward0", lambda a: a.expand(4, -1), [(1, 3)]),
    ("AliasBackward0", lambda a: a[...], [(2, 3)]),
    ("ScatterAddBackward0", lambda a, g: _graph_of_grad(a.gather(1, torch.tensor([[0, 0], [2, 1]])), a, g),
     [(2, 3), (2, 2)]),
    ("ScatterAddBackward0", lambda a, src: ScatterAddBackward0.apply(a, src, 1, np.array([[0, 0], [2, 1]])),
     [(2, 3), (2, 2)]),
    ("IndexAddBackward0", lambda a, g: _graph_of_grad(a.index_select(1, torch.tensor([2, 0, 2])), a, g),
     [(2, 3), (2, 3)]),
    ("IndexAddBackward0", lambda a, source: IndexAddBackward0.apply(a, source, 0, np.array([1, 1, 0])),
     [(2, 3), (3, 3)]),
    ("ZeroBackward0", lambda a: (a * 1).zero_(), [(2, 3)]),
    ("FillBackward2", lambda a: (a * 1).fill_(2.5), [(2, 3)]),
    ("FillBackward3", lambda a, value: (a * 1).fill_(value), [(2, 3), ()]),
    ("FillBackward3", lambda a, value: _assigned(a * 1, ..., value), [(2, 3), ()]),
    ("FillBackward3", lambda a: _assigned(a * 1, slice(None), 2.5), [(2, 3)]),
    ("CopyBackwards", lambda a, source: (a * 1).copy_(source), [(2, 3), (3,)]),
    ("CopyBackwards", lambda a, source: (a * 1).copy_(source), [(2, 3), (2, 1)]),
    # ---------------------------------------------------------------- loss, convolution, pooling
    ("MseLossBackward0", lambda x, y: torch.nn.functional.mse_loss(x, y),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("MseLossBackward0", lambda x, y: torch.nn.functional.mse_loss(x, y, reduction="sum"),
     [(4,), ("signed", (4,))]),
    ("MseLossBackward0", lambda x, y: torch.nn.functional.mse_loss(x, y, reduction="none"),
     [("signed", (2, 3)), (2, 3)]),
    ("BinaryCrossEntropyBackward0", lambda p, y: torch.nn.functional.binary_cross_entropy(p, y),
     [("unit", (2, 3)), ("unit", (2, 3))]),
    ("BinaryCrossEntropyBackward0",
     lambda p, y: torch.nn.functional.binary_cross_entropy(p, y, reduction="sum"),
     [("unit", (4,)), ("unit", (4,))]),
    ("BinaryCrossEntropyBackward0",  # weight: a parameter, not an input
     lambda p, y: torch.nn.functional.binary_cross_entropy(
         p, y, weight=torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64), reduction="none"),
     [("unit", (2, 3)), ("unit", (2, 3))]),
    ("BinaryCrossEntropyWithLogitsBackward0",
     lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(x, y),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("BinaryCrossEntropyWithLogitsBackward0",
     lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(
         x, y, weight=torch.tensor([2.0, 0.5, 1.0], dtype=torch.float64)),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("BinaryCrossEntropyWithLogitsBackward0",
     lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(
         x, y, reduction="sum", pos_weight=torch.tensor([3.0, 0.5, 1.5], dtype=torch.float64)),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("BinaryCrossEntropyWithLogitsBackward0",
     lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(
         x, y, weight=torch.tensor([[2.0], [0.5]], dtype=torch.float64),
         pos_weight=torch.tensor([3.0, 0.5, 1.5], dtype=torch.float64), reduction="none"),
     [("signed", (2, 3)), ("unit", (2, 3))]),
    ("MaxPool2DWithIndicesBackwardBackward0",
     lambda g, x: _graph_of_grad(torch.nn.functional.max_pool2d(x, 2), x, g),
     [("signed", (1, 2, 2, 2)), ("signed", (1, 2, 4, 4))]),
    ("AvgPool2DBackwardBackward0",
     lambda g, x: _graph_of_grad(torch.nn.functional.avg_pool2d(x, 2, stride=1, padding=1), x, g),
     [("signed", (1, 2, 4, 4)), ("signed", (1, 2, 3, 3))]),
    ("AdaptiveAvgPool2DBackwardBackward0",
     lambda g, x: _graph_of_grad(torch.nn.functional.adaptive_avg_pool2d(x, (2, 3)), x, g),
     [("signed", (1, 2, 2, 3)), ("signed", (1, 2, 5, 4))]),
    ("AdaptiveMaxPool2DBackwardBackward0",
     lambda g, x: _graph_of_grad(torch.nn.functional.adaptive_max_pool2d(x, 2), x, g),
     [("signed", (1, 2, 2, 2)), ("signed", (1, 2, 5, 4))]),
    # ---------------------------------------------------------------- more activations, losses
    ("SiluBackward0", lambda a: torch.nn.functional.silu(a), [("signed", (2, 3))]),
    ("MishBackward0", lambda a: torch.nn.functional.mish(a), [("signed", (2, 3))]),
    ("SoftplusBackward0", lambda a: torch.nn.functional.softplus(a, 2.0, 1.5), [("signed", (2, 3))]),
    ("SoftplusBackwardBackward0",
     lambda g, a: _graph_of_grad(torch.nn.functional.softplus(a, 2.0, 1.5), a, g),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("LogSigmoidBackward0", lambda a: torch.nn.functional.logsigmoid(a), [("signed", (2, 3))]),
    ("LogSigmoidBackwardBackward0",
     lambda g, a: _graph_of_grad(torch.nn.functional.logsigmoid(a), a, g),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("EluBackward0", lambda a: torch.nn.functional.elu(a, 0.7), [("signed", (2, 3))]),
    ("EluBackward0", lambda a: torch.nn.functional.selu(a), [("signed", (2, 3))]),
    ("EluBackward1", lambda a: torch.nn.functional.elu(a * 1, 0.7, inplace=True), [("signed", (2, 3))]),
    ("CeluBackward0", lambda a: torch.nn.functional.celu(a, 1.5), [("signed", (2, 3))]),
    ("CeluBackward1", lambda a: torch.nn.functional.celu(a * 1, 1.5, inplace=True),
     [("signed", (2, 3))]),
    ("EluBackwardBackward0", lambda g, a: _graph_of_grad(torch.nn.functional.elu(a, 0.7), a, g),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("EluBackwardBackward0",  # the in-place form's: of the result
     lambda g, y: torch.ops.smooth_activation.EluBackwardBackward0.apply(
         g, y, alpha=0.7, scale=1.0, input_scale=1.0, is_result=True),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("HardtanhBackward0", lambda a: torch.nn.functional.hardtanh(a, -1.2, 1.1), [("signed", (2, 3))]),
    ("HardtanhBackwardBackward0",
     lambda g, a: _graph_of_grad(torch.nn.functional.hardtanh(a, -1.2, 1.1), a, g),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("ThresholdBackward0", lambda a: torch.nn.functional.threshold(a, 0.9, -3.0), [("signed", (2, 3))]),
    ("ThresholdBackward1", lambda a: torch.nn.functional.threshold(a * 1, 0.9, -3.0, inplace=True),
     [("signed", (2, 3))]),
    ("PreluKernelBackward0",  # F.prelu views the weight as (1, C, 1): its input is that view
     lambda a, w: torch.ops.piecewise_activation.PreluKernelBackward0.apply(a, w),
     [("signed", (2, 3, 2)), ("signed", (1, 3, 1))]),
    ("SmoothL1LossBackward0", lambda x, y: torch.nn.functional.smooth_l1_loss(x, y, beta=0.6),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("SmoothL1LossBackwardBackward0",
     lambda g, x, y: _graph_of_grad(torch.nn.functional.smooth_l1_loss(x, y, reduction="none",
                                                                       beta=0.6), x, g),
     [("signed", (2, 3)), ("signed", (2, 3)), ("signed", (2, 3))]),
    ("HuberLossBackward0", lambda x, y: torch.nn.functional.huber_loss(x, y, "sum", delta=0.8),
     [("signed", (2, 3)), ("signed", (2, 3))]),
    ("HuberLossBackwardBackward0",
     lambda g, x, y: _graph_of_grad(torch.nn.functional.huber_loss(x, y, "none", delta=0.8), x, g),
     [("signed", (2, 3)), ("signed", (2, 3)), ("signed", (2, 3))]),
    # ---------------------------------------------------------------- random samples (zero gradient)
    ("BernoulliBackward0", lambda p: torch.bernoulli(p), [("unit", (2, 3))]),
    ("BernoulliBackward1", lambda a, p: (a * 1).bernoulli_(p), [(2, 3), ("unit", (3,))]),
    ("BernoulliBackward2", lambda a: (a * 1).bernoulli_(0.3), [(3,)]),
    ("NormalBackward0", lambda a: (a * 1).normal_(), [(3,)]),
    ("NormalBackward1", lambda m: torch.normal(m, 2.0), [(2, 3)]),
    ("NormalBackward2", lambda s: torch.normal(1.0, s), [(2, 3)]),
    ("NormalBackward3", lambda m, s: torch.normal(m, s), [(2, 3), (3,)]),
    ("UniformBackward0", lambda a: (a * 1).uniform_(), [(3,)]),
    ("ExponentialBackward0", lambda a: (a * 1).exponential_(), [(3,)]),
    ("RandomBackward0", lambda a: (a * 1).random_(2, 5), [(3,)]),
    ("RandomBackward1", lambda a: (a * 1).random_(5), [(3,)]),
    ("RandomBackward2", lambda a: (a * 1).random_(), [(3,)]),
]


# ---------------------------------------------------------------- helpers for SAMPLES
def _graph_of_grad(out, leaf, grad):
    """d out / d leaf for ``grad``, recorded (create_graph): its grad_fn is a double-backward node."""
    return torch.autograd.grad(out, leaf, grad, create_graph=True)[0]


def _assigned(tensor, index, value):
    """``tensor[index] = value``, then the tensor (setitem returns nothing)."""
    tensor[index] = value
    return tensor


def _node_classes():
    found, stack = set(), [Node]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.derivatives is not None and not cls.__name__.startswith("_"):
            found.add(cls)
    return sorted(found, key=lambda c: c.__name__)


def _values(spec, rng):
    if spec and spec[0] == "unit":
        return rng.uniform(0.05, 0.95, size=spec[1])
    signed, shape = (True, spec[1]) if spec and spec[0] == "signed" else (False, spec)
    values = rng.uniform(0.5, 2.0, size=shape)
    if signed:
        values = values * rng.choice([-1.0, 1.0], size=shape)
    return values


def _sum_to_shape(value, shape):
    value = np.asarray(value, dtype=np.float64)
    value = np.broadcast_to(value, np.broadcast_shapes(value.shape, shape))
    while value.ndim > len(shape):
        value = value.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and value.shape[axis] != 1:
            value = value.sum(axis=axis, keepdims=True)
    return value


def _as_array(value):
    return value._data if isinstance(value, torch.Tensor) else value


@pytest.mark.parametrize("name, make, shapes", SAMPLES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SAMPLES)])
def test_formula_matches_backward(name, make, shapes):
    rng = np.random.default_rng(len(name))
    arrays = [_values(spec, rng) for spec in shapes]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = make(*leaves)
    node = out.grad_fn
    assert type(node).__name__ == name
    record = node.derivatives
    names = record.input_names(len(node.next_functions))
    namespace = {key: _as_array(value) for key, value in node.saved_named().items()}
    namespace.update(zip(names, arrays))  # the inputs in this sample's order
    namespace["out"] = out._data
    grad_out = rng.normal(size=out.shape)
    namespace["grad_out"] = grad_out
    grads = node(torch.tensor(grad_out, dtype=torch.float64))
    grads = grads if isinstance(grads, tuple) else (grads,)
    for position, grad in enumerate(grads):
        formula = record.formula(position)
        if grad is None or formula.in_words:
            continue
        value = formula.evaluate(namespace)
        expected = value if formula.is_gradient else grad_out * value
        np.testing.assert_allclose(grad._data, _sum_to_shape(expected, grad.shape), rtol=1e-10,
                                   atol=1e-12, err_msg=f"{name}: {formula.text}")


def test_every_formula_is_sampled():
    sampled = {name for name, _, _ in SAMPLES}
    with_formula = {cls.__name__ for cls in _node_classes()
                    if any(not f.in_words for f in cls.derivatives.formulas)}
    assert sorted(with_formula - sampled) == []


def test_every_record_names_each_input_once_and_renders():
    for cls in _node_classes():
        record = cls.derivatives
        assert len(set(record.inputs)) == len(record.inputs), cls.__name__
        for formula in record.formulas:
            assert formula.text and formula.latex, cls.__name__


# ---------------------------------------------------------------- showing a formula
@pytest.mark.parametrize("source, text, latex", [
    ("b", "∂out/∂a = b", r"\frac{\partial out}{\partial a} = b"),
    ("-a / b ** 2", "∂out/∂a = -a / b²", r"\frac{\partial out}{\partial a} = \frac{-a}{b^{2}}"),
    ("exponent * a ** (exponent - 1)", "∂out/∂a = exponent · a^(exponent-1)",
     r"\frac{\partial out}{\partial a} = \mathit{exponent} \cdot a^{\mathit{exponent} - 1}"),
    ("1 - out ** 2", "∂out/∂a = 1 - out²", r"\frac{\partial out}{\partial a} = 1 - \mathit{out}^{2}"),
    ("1 if min <= a <= max else 0", "∂out/∂a = 1 if min ≤ a ≤ max else 0",
     r"\frac{\partial out}{\partial a} = 1 \text{ if } \mathit{min} \le a \le \mathit{max} "
     r"\text{ else } 0"),
    ("grad_out @ b.T", "grad_a = grad_out @ bᵀ", r"\mathrm{grad}_{a} = \mathrm{grad}_{out} \, b^\top"),
    ("1 / (2 * sqrt(a))", "∂out/∂a = 1 / (2 · √a)",
     r"\frac{\partial out}{\partial a} = \frac{1}{2 \cdot \sqrt{a}}"),
])
def test_text_and_latex(source, text, latex):
    formula = Formula("a", source)
    assert formula.text == text
    assert formula.latex == latex


def test_chain_puts_the_values_in_place_of_the_names():
    local = Formula("a", "b")
    assert local.chain("a", {"grad_out": "[1., 1.]", "b": "[3., 4.]"}) == \
        ("grad_a = grad_out × b", "[1., 1.] × [3., 4.]")
    sum_of_two = Formula("a", "1 - out ** 2")
    assert sum_of_two.chain("x", {"grad_out": "2.", "out": "0.5"}) == \
        ("grad_x = grad_out × (1 - out²)", "2. × (1 - 0.5²)")
    gradient = Formula("A", "grad_out @ B.T")
    assert gradient.chain("A", {"grad_out": "[[1.]]"}) == ("grad_A = grad_out @ Bᵀ", "[[1.]] @ Bᵀ")
    assert Formula("x", Words("spread over the window")).chain("x") == (None, None)


def test_evaluate_works_element_by_element():
    formula = Formula("a", "1 if min <= a <= max else 0")
    result = formula.evaluate({"a": np.array([-1.0, 0.5, 2.0]), "min": 0.0, "max": 1.0})
    assert result.tolist() == [0, 1, 0]
    assert Formula("a", "not a > 0 and a < 2").evaluate({"a": np.array([-1.0, 1.0])}).tolist() == \
        [True, False]
    with pytest.raises(ValueError, match="in words"):
        Formula("a", Words("by hand")).evaluate({})


def test_variadic_record_names_every_input():
    record = Derivatives("cat(tensors, dim)", variadic=True, tensors=Words("its slice"))
    assert record.input_names(3) == ["tensors[0]", "tensors[1]", "tensors[2]"]
    assert record.formula(2) is record.formulas[0]


def test_node_reads_expression_and_inputs_from_its_record():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    node = (x * 3).grad_fn
    assert node.expression == "a * b"
    assert node.local_derivatives == ("∂out/∂a = b", "∂out/∂b = a")
    # a number after the declared inputs is a parameter of forward, not an edge
    assert len((x ** 2).grad_fn.next_functions) == 1
    assert (x ** 2).grad_fn.saved_named()["exponent"] == 2


def test_docs_derivatives_md_is_current():
    """docs/derivatives.md is exactly what scripts/render_derivatives.py writes now."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_derivatives.py"), "--stdout"],
                            capture_output=True, text=True, check=True)
    committed = (ROOT / "docs" / "derivatives.md").read_text(encoding="utf-8")
    assert result.stdout == committed, "run: python scripts/render_derivatives.py"


# ---------------------------------------------------------------------------
# the numbers a node saved, put into its formulas (the stepper's lines)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make, numbers, shown", [
    (lambda x: x ** 2, {"exponent": 2}, "∂out/∂a = 2 · a"),
    (lambda x: x ** 3, {"exponent": 3}, "∂out/∂a = 3 · a²"),
    (lambda x: x ** 1, {"exponent": 1}, "∂out/∂a = 1"),
    (lambda x: x ** -1.0, {"exponent": -1.0}, "∂out/∂a = -a⁻²"),
    (lambda x: x ** 0.5, {"exponent": 0.5}, "∂out/∂a = 0.5 · a^-0.5"),
    (lambda x: x + x, {"alpha": 1}, "∂out/∂b = 1"),
    (lambda x: torch.add(x, x, alpha=2), {"alpha": 2}, "∂out/∂b = 2"),
    (lambda x: x ** 2, {"exponent": float("nan")}, "∂out/∂a = exponent · a^(exponent-1)"),
    (lambda x: x ** 2, {"exponent": True}, "∂out/∂a = exponent · a^(exponent-1)"),
])
def test_with_numbers_puts_saved_numbers_in_and_works_them_out(make, numbers, shown):
    x = torch.tensor(3.0, requires_grad=True)
    formulas = type(make(x).grad_fn).derivatives.formulas
    assert formulas[-1].with_numbers(numbers).text == shown
    assert any(name in formulas[-1].text for name in numbers)  # the record itself keeps its names


def test_with_numbers_keeps_the_latex_in_step():
    x = torch.tensor(3.0, requires_grad=True)
    formula = type((x ** 3).grad_fn).derivatives.formulas[0].with_numbers({"exponent": 3})
    assert formula.latex == r"\frac{\partial out}{\partial a} = 3 \cdot a^{2}"
