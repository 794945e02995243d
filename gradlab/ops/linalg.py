"""Matrix products: ``matmul`` (``@``), ``mm``, ``mv``, ``dot``, ``bmm``, ``outer``.

For C = A @ B the gradients are grad_A = grad_C @ Bᵀ and grad_B = Aᵀ @ grad_C:
each input's gradient is the output gradient multiplied by the *other*
input, transposed so the shapes fit.

``matmul`` itself has no grad_fn of its own: like PyTorch it picks one of the
four products by the inputs' dimensions and reshapes around it, so the graph
of ``x @ W`` shows the same nodes as PyTorch's (``MmBackward0`` under an
``UnsafeViewBackward0`` when ``x`` has batch dimensions). Whether a batch folds into
one ``mm`` depends on the operands' strides, which gradlab lays out as PyTorch does.
"""
import numpy as np

from ..autograd.derivative import Derivatives
from ..autograd.node import Node
from ..dtypes import cpp_type_name, type_name
from ..tensor import Tensor
from .shape import UnsafeViewBackward0
from .out import into_out
from .strides import element_strides



# ================================================================= products
def _save_operands(ctx, a, b):
    """Keep each operand only if the other one's gradient needs it, as PyTorch does: a
    weight changed in place after ``x @ w`` (x not requiring grad) does not break backward."""
    needs_a, needs_b = ctx.needs_input_grad or (False, False)
    ctx.save_for_backward(a if needs_b else None, b if needs_a else None)


class DotBackward0(Node):
    """``dot(a, b)`` = Σ a_i b_i, two 1-d tensors."""

    derivatives = Derivatives("a · b", a="b", b="a")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        return np.asarray(np.dot(a, b))

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output * b if needs_a else None, grad_output * a if needs_b else None)


class MvBackward0(Node):
    """``mv(M, v)``: a matrix (2-d) times a vector (1-d)."""

    derivatives = Derivatives("M @ v", M="outer(grad_out, v)", v="M.T @ grad_out")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, matrix, vector):
        _save_operands(ctx, matrix, vector)
        return matrix @ vector

    @staticmethod
    def backward(ctx, grad_output):
        matrix, vector = ctx.saved_tensors
        needs_matrix, needs_vector = ctx.needs_input_grad
        return (outer(grad_output, vector) if needs_matrix else None,
                matrix.t().mv(grad_output) if needs_vector else None)


class MmBackward0(Node):
    """``mm(A, B)``: the product of two matrices (2-d)."""

    derivatives = Derivatives("A @ B", A="grad_out @ B.T", B="A.T @ grad_out")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        ctx.column_major = _column_major(a), _column_major(b)
        return a @ b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _mm_backward(grad_output, a, b, ctx.needs_input_grad, ctx.column_major)


def _column_major(matrix):
    """Is a 2-d array stored column by column (as ``W.t()`` is)?"""
    strides = element_strides(matrix)
    return strides[0] == 1 and strides[1] == matrix.shape[0]


def _mm_backward(grad_output, a, b, needs_input_grad, column_major):
    """grad_A = grad @ Bᵀ and grad_B = Aᵀ @ grad, as PyTorch computes them: for an input
    stored column-major, transposed ((B @ gradᵀ)ᵀ, (gradᵀ @ A)ᵀ), so that its gradient
    comes out column-major too (the same numbers; the graph shows the extra TBackward0)."""
    (needs_a, needs_b), (a_column_major, b_column_major) = needs_input_grad, column_major
    grad_a = grad_b = None
    if needs_a:
        grad_a = b.mm(grad_output.t()).t() if a_column_major else grad_output.mm(b.t())
    if needs_b:
        grad_b = grad_output.t().mm(a).t() if b_column_major else a.t().mm(grad_output)
    return grad_a, grad_b


class BmmBackward0(Node):
    """``bmm(A, B)``: a batch of matrix products (3-d), out[i] = A[i] @ B[i]."""

    derivatives = Derivatives("bmm(A, B)", A="grad_out @ transpose(B, 1, 2)",
                              B="transpose(A, 1, 2) @ grad_out")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (grad_output.bmm(b.mT) if needs_a else None, a.mT.bmm(grad_output) if needs_b else None)


# ============================================ the view matmul makes on the way
class SqueezeBackward4(Node):
    """``a.squeeze_(dim)``: ``a`` without its size-1 dimension ``dim`` (PyTorch squeezes
    matmul's own intermediate result in place)."""

    derivatives = Derivatives("a.squeeze_(dim)", a="unsqueeze(grad_out, dim)")

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return np.squeeze(a, axis=dim)  # matmul's row of one: always size 1

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.unsqueeze(ctx.dim)  # PyTorch's unsqueeze_to: UnsqueezeBackward0


# ================================================================== checks
def _check_tensors(op, *values):
    if not all(isinstance(v, Tensor) for v in values):
        names = " and ".join(f"'{type(v).__name__}'" for v in values)
        raise TypeError(f"unsupported operand type(s) for {op}: {names} (both must be tensors)")


def _check_same_dtype(a, b, message):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(message.format(a=a.dtype.name, b=b.dtype.name,
                                          A=type_name(a.dtype), B=type_name(b.dtype),
                                          a_cpp=cpp_type_name(a.dtype),
                                          b_cpp=cpp_type_name(b.dtype))
                           + " (convert one with .to(other.dtype))")


def _check_not_bool(name, a):
    if a._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool' "
                                  "(convert with .float() or .long() first)")


def _broadcast_batch(batch_a, batch_b):
    """The broadcast of two batch shapes, with PyTorch's message when they do not fit."""
    ndim = max(len(batch_a), len(batch_b))
    result = []
    for position in range(ndim):
        size_a = batch_a[position - ndim + len(batch_a)] if position >= ndim - len(batch_a) else 1
        size_b = batch_b[position - ndim + len(batch_b)] if position >= ndim - len(batch_b) else 1
        if size_a != size_b and 1 not in (size_a, size_b):
            raise RuntimeError(f"The size of tensor a ({size_a}) must match the size of tensor b "
                               f"({size_b}) at non-singleton dimension {position}")
        result.append(size_b if size_a == 1 else size_a)
    return tuple(result)


# =============================================================== functions
def dot(input, other):
    """Σ a_i b_i of two 1-d tensors of the same length."""
    _check_tensors("dot", input, other)
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    if input.shape[0] != other.shape[0]:
        n, m = input.shape[0], other.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number "
            f"of elements, but got {n} and {m} elements respectively"
        )
    _check_same_dtype(input, other, "dot : expected both vectors to have same dtype, but found {A} and {B}")
    _check_not_bool("dot", input)
    return DotBackward0.apply(input, other)


def mv(input, vec):
    """Matrix (n×m) times vector (m) → vector (n)."""
    _check_tensors("mv", input, vec)
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec.dim()} "
                           "(mv multiplies a 2-D matrix by a 1-D vector)")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _check_same_dtype(input, vec, "mv: expected the matrix and the vector to have the same dtype, "
                                  "but got {A} and {B}")
    _check_not_bool("addmv_impl_cpu", input)
    return MvBackward0.apply(input, vec)


def mm(input, mat2, *, out=None):
    """Matrix (n×m) times matrix (m×p) → matrix (n×p)."""
    if out is not None:
        return into_out("mm", out, mm, input, mat2, exact_dtype=True)
    _check_tensors("mm", input, mat2)
    a, b = input._data, mat2._data  # (read once: backward rules call mm a few times per step)
    if a.ndim != 2:
        raise RuntimeError(f"self must be a matrix (mm takes 2-D tensors, got {a.ndim}-D; "
                           "use matmul or @ for other shapes)")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (mm takes 2-D tensors, got {b.ndim}-D; "
                           "use matmul or @ for other shapes)")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    _check_same_dtype(input, mat2, "expected m1 and m2 to have the same dtype, but got: {a_cpp} != {b_cpp}")
    _check_not_bool("addmm_impl_cpu_", input)
    return MmBackward0.apply(input, mat2)


def bmm(input, mat2, *, out=None):
    """A batch of matrix products: (b×n×m) and (b×m×p) → (b×n×p); no broadcasting."""
    if out is not None:
        return into_out("bmm", out, bmm, input, mat2, exact_dtype=True)
    _check_tensors("bmm", input, mat2)
    if input.dim() != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got {input.dim()}-D)")
    if mat2.dim() != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor (got {mat2.dim()}-D)")
    batch, _, inner = input.shape
    if tuple(mat2.shape[:2]) != (batch, inner):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {inner}] "
            f"but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    _check_same_dtype(input, mat2, "expected scalar type {A} but found {B}")
    _check_not_bool("bmm", input)
    return BmmBackward0.apply(input, mat2)


def outer(input, vec2):
    """out[i, j] = a[i] · b[j]: computed, as in PyTorch, as a column times a row (MulBackward0)."""
    _check_tensors("outer", input, vec2)
    for name, value in (("self", input), ("vec2", vec2)):
        if value.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {value.dim()}-D")
    return input.reshape(input.shape[0], 1) * vec2


ger = outer


def matmul(input, other, *, out=None):
    """``input @ other`` with PyTorch's rules (and the same graph):

    - 1-d @ 1-d: ``dot``;  2-d @ 1-d: ``mv``;  2-d @ 2-d: ``mm``;
    - 1-d @ 2-d: the vector becomes a 1×n row, ``mm``, and the row is squeezed away;
    - N-d @ 1-d/2-d (N ≥ 3): the batch dimensions are folded into the rows of one
      ``mm`` (or ``mv``) and unfolded after;
    - otherwise both are broadcast over their batch dimensions and ``bmm`` runs on
      the batches flattened into one.
    """
    if out is not None:
        return into_out("matmul", out, matmul, input, other, exact_dtype=True)
    _check_tensors("@", input, other)
    dim_a, dim_b = input.dim(), other.dim()
    if dim_a == 0 or dim_b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{dim_a}D and {dim_b}D")
    if dim_a == 1 and dim_b == 1:
        return dot(input, other)
    if dim_a == 2 and dim_b == 1:
        return mv(input, other)
    if dim_a == 1 and dim_b == 2:
        return SqueezeBackward4.apply(mm(input.unsqueeze(0), other), dim=0)
    if dim_a == 2 and dim_b == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _should_fold(a, b):
    """Can the larger tensor be folded into a matrix (one mm/mv instead of bmm)?

    PyTorch folds when the smaller tensor is 1-d/2-d and either it requires grad
    (to keep the backward cheap) or the fold is a free view of the larger one.
    """
    a_larger = a.dim() >= b.dim()
    larger = a._data if a_larger else np.swapaxes(b._data, -1, -2)
    smaller = b if a_larger else a
    if not (larger.ndim >= 3 and smaller.dim() <= 2):
        return False
    if smaller.requires_grad:  # the property: a view written through another view is current
        return True
    if a.dim() == 2:
        return False
    if larger.size == 0:
        return True
    strides = element_strides(larger)  # PyTorch's, size-1 dimensions included (ops/strides.py)
    return all(strides[i] == strides[i + 1] * larger.shape[i + 1] for i in range(larger.ndim - 2))


def _folded_matmul(a, b):
    """(..., n, m) @ (m, p): fold ... into rows, one ``mm``, unfold (``UnsafeViewBackward0``).
    With the batched tensor on the right, it runs transposed: (bᵀ @ aᵀ)ᵀ."""
    transpose = b.dim() > a.dim()
    larger = b.mT if transpose else a
    smaller = (a.t() if a.dim() == 2 else a) if transpose else b
    output_shape = tuple(larger.shape[:-1])
    rows = int(np.prod(output_shape, dtype=np.int64))
    folded = larger.reshape(rows, larger.shape[-1])  # a view whenever the memory allows
    if smaller.dim() == 2:
        output = UnsafeViewBackward0.apply(folded.mm(smaller), shape=output_shape + (smaller.shape[1],))
        return output.mT.contiguous() if transpose else output
    return UnsafeViewBackward0.apply(folded.mv(smaller), shape=output_shape)


def _batched_matmul(a, b):
    """Broadcast the batch dimensions, flatten them into one, ``bmm``, and unflatten."""
    dim_a, dim_b = a.dim(), b.dim()
    n = a.shape[-2] if dim_a > 1 else 1
    m1 = a.shape[-1]
    batch_a = tuple(a.shape[:max(dim_a - 2, 0)])
    m2 = b.shape[-2] if dim_b > 1 else b.shape[0]
    p = b.shape[-1] if dim_b > 1 else 1
    batch_b = tuple(b.shape[:max(dim_b - 2, 0)])
    if dim_a == 3 and dim_b == 3 and batch_a[0] != batch_b[0]:
        # a batch of one matrix that requires grad is multiplied as a plain matrix
        if batch_a[0] == 1 and a.requires_grad:
            return matmul(a.squeeze(0), b)
        if batch_b[0] == 1 and b.requires_grad:
            return matmul(a, b.squeeze(0))
    output_shape = _broadcast_batch(batch_a, batch_b)
    batch = int(np.prod(output_shape, dtype=np.int64))
    expanded_a = a.expand(output_shape + (n, m1)).reshape(batch, n, m1)
    if dim_b == 1:
        expanded_b = b.expand(output_shape + (m2,)).reshape(batch, m2).unsqueeze(2)
    else:
        expanded_b = b.expand(output_shape + (m2, p)).reshape(batch, m2, p)
    output_shape += ((n,) if dim_a > 1 else ()) + ((p,) if dim_b > 1 else ())
    product = expanded_a.bmm(expanded_b)
    if dim_b == 1:
        product = product.squeeze(-1)
    return UnsafeViewBackward0.apply(product, shape=output_shape)


# ============================================ bias + product (F.linear's node)
class AddmmBackward0(Node):
    """``addmm(bias, A, B)`` = bias + A @ B (``F.linear`` with a bias is addmm(b, x, Wᵀ))."""

    derivatives = Derivatives("bias + A @ B", bias="1", A="grad_out @ B.T", B="A.T @ grad_out")
    output_layout = "contiguous"

    @staticmethod
    def forward(ctx, bias, a, b):
        _, needs_a, needs_b = ctx.needs_input_grad or (False, False, False)
        ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        # F.linear passes B = Wᵀ, stored column-major: its gradient is computed as (gradᵀ A)ᵀ,
        # the same numbers, so that W.grad comes out in W's own memory order (see _mm_backward)
        ctx.column_major = _column_major(a), _column_major(b)
        out = a @ b
        out += bias  # in place: the product is a fresh array
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_bias, needs_a, needs_b = ctx.needs_input_grad
        grad_a, grad_b = _mm_backward(grad_output, a, b, (needs_a, needs_b), ctx.column_major)
        return grad_output if needs_bias else None, grad_a, grad_b
