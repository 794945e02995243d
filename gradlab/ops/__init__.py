"""Every differentiable operation, one ``Node`` subclass each, grouped by family.

Each class states its derivative once, as ``derivatives = Derivatives(...)``
(``gradlab/autograd/derivative.py``), beside the ``forward`` and ``backward``
it describes; ``docs/derivatives.md`` is the table of all of them.

- ``activation``: leaky_relu, gelu, dropout

- ``arithmetic``: + - * / ** and negation
- ``pointwise``: exp, log, sin, relu, clamp, round, ...
- ``reduction``: sum, mean, max, min, norm, softmax, ...
- ``shape``: reshape, transpose, permute, squeeze, expand, cat, stack, ...
- ``linalg``: matmul, mm, mv, dot, bmm
- ``indexing``: t[...] and t[...] = v
- ``copy``: clone and dtype casts
- ``inplace``: add_, mul_, zero_, ... with autograd's in-place rules
- ``comparison``: < == != ... (no gradient: bool results)
- ``sampling``: bernoulli, normal with tensor arguments, random fills (zero gradient)
- ``histogram``: histc and histogram (no gradient)
- ``loss``: mse, nll / cross-entropy, binary cross-entropy (with logits)
- ``convolution``, ``pooling``: conv2d, padding, max/avg pooling
- ``broadcast``: the one place where broadcast gradients are summed back
- ``strides``: each result laid out in memory as PyTorch lays it out (so ``view``
  works exactly where PyTorch's does)
- ``workspace``: reused NumPy buffers for the big array ops
"""

import warnings as _warnings

# PyTorch computes inf * 0 = nan or 1 / 0 = inf silently; NumPy warns. Silence those
# floating-point warnings only when they come from gradlab's own op modules (a
# filter costs nothing per op, unlike np.errstate around every call).
_warnings.filterwarnings(
    "ignore",
    message="(invalid value|divide by zero|overflow) encountered",
    category=RuntimeWarning,
    module=r"gradlab\.",
)
