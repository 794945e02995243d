"""Every differentiable operation, one ``Node`` subclass each, grouped by family:

- ``arithmetic``: + - * / ** and negation
- ``pointwise``: exp, log, sin, relu, clamp, round, ...
- ``reduction``: sum, mean, max, min, norm, softmax, ...
- ``shape``: reshape, transpose, permute, squeeze, expand, cat, stack, ...
- ``linalg``: matmul, mm, mv, dot, bmm
- ``indexing``: t[...] and t[...] = v
- ``copy``: clone and dtype casts
- ``inplace``: add_, mul_, zero_, ... with autograd's in-place rules
- ``comparison``: < == != ... (no gradient: bool results)
- ``broadcast``: the one place where broadcast gradients are summed back
"""
