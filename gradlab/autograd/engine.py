"""The backward engine: one iterative walk over the graph, one node at a time.

``iter_backward`` is the engine.  It

1. counts, for every node reachable from the outputs, how many edges lead
   into it (an explicit stack, no recursion, so a graph a million nodes deep
   works);
2. runs a node only when every gradient for it has arrived — the gradients
   that arrive for the same input are *added* in its buffer first — taking
   the most recently created ready node first, as PyTorch does;
3. yields a ``BackwardStep`` record for every node it runs.

``backward()`` and ``grad()`` are that generator run to the end, so the
backprop stepper in the notebook shows exactly what the real engine does.
"""
import heapq
import weakref

import numpy as np

from ..tensor import Tensor, _wrap, tensor_from_data
from .grad_mode import _state as _grad_state
from .node import AccumulateGrad, RemovableHandle, check_view_is_current, grad_accumulator


class BackwardStep:
    """What happened when the engine ran one node.

    ``node``: the grad_fn that ran; ``grad_outputs``: the gradients it
    received (one per output of the node); ``grad_inputs``: what it sent on,
    aligned with ``node.next_functions``; ``leaves``: tensors whose ``.grad``
    changed in this step (the leaf of an AccumulateGrad node, and tensors that
    called ``retain_grad()``).
    """

    __slots__ = ("node", "grad_outputs", "grad_inputs", "leaves")

    def __init__(self, node, grad_outputs, grad_inputs, leaves):
        self.node = node
        self.grad_outputs = grad_outputs
        self.grad_inputs = grad_inputs
        self.leaves = leaves

    def __repr__(self):
        return f"BackwardStep(node={self.node.name()}, leaves={len(self.leaves)})"


def iter_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None,
                  _capture=None):
    """Run backward from ``tensors`` one node at a time, yielding a ``BackwardStep`` per node.

    ``inputs`` limits accumulation to those tensors (as ``backward(inputs=...)``).
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _initial_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_edge(t, i) for i, t in enumerate(tensors)]

    dependencies = _count_dependencies(node for node, _ in roots)
    targets = None
    if inputs is not None or _capture is not None:
        targets = {edge[0] for edge in (_capture or {})}
        targets.update(_edge_of(t)[0] for t in _as_tuple(inputs or ()))
        needed = _needed_nodes(dependencies, [node for node, _ in roots], targets)
    else:
        needed = None

    buffers = {}
    ready = []
    for (node, index), grad in zip(roots, grad_tensors):
        buffer = buffers.setdefault(node, [None] * node._num_outputs)
        buffer[index] = grad if buffer[index] is None else buffer[index] + grad
    for node in buffers:
        if dependencies.get(node, 0) == 0:
            heapq.heappush(ready, (-node._sequence_nr, id(node), node))

    heappush, heappop = heapq.heappush, heapq.heappop
    while ready:
        node = heappop(ready)[2]
        grad_outputs = buffers.pop(node, None)
        grad_inputs = ()
        leaves = []
        if grad_outputs is not None and (needed is None or node in needed):
            if node._tensor_pre_hooks or node._pre_hooks:
                grad_outputs = _run_pre_hooks(node, grad_outputs, leaves)
            if _capture is not None:
                _capture_grads(_capture, node, grad_outputs)
            previous_mode = _grad_state.enabled
            _grad_state.enabled = create_graph  # record the backward pass only for create_graph
            try:
                if node.__class__ is AccumulateGrad:
                    if _capture is None and (targets is None or node in targets):
                        node._run_backward(grad_outputs)
                        leaves.append(node.variable)
                else:
                    grad_inputs = node._run_backward(grad_outputs)
                    if node._hooks:
                        grad_inputs = _run_post_hooks(node, grad_inputs, grad_outputs)
            finally:
                _grad_state.enabled = previous_mode
            if not retain_graph:
                node._release()
        # Send each gradient along its edge; a node is ready once all its edges have reported.
        indices = node._next_indices
        for position, next_node in enumerate(node._next_nodes):
            if next_node is None:
                continue
            index = indices[position] if indices else 0
            grad = grad_inputs[position] if grad_inputs else None
            if grad is not None:
                buffer = buffers.get(next_node)
                if buffer is None:
                    buffers[next_node] = buffer = [None] * next_node._num_outputs
                existing = buffer[index]
                buffer[index] = grad if existing is None else existing + grad
            remaining = dependencies[next_node] - 1
            dependencies[next_node] = remaining
            if not remaining:
                heappush(ready, (-next_node._sequence_nr, id(next_node), next_node))
        yield BackwardStep(node, grad_outputs, grad_inputs, leaves)


def _capture_grads(capture, node, grad_outputs):
    """For ``grad()``: keep the gradients arriving at the requested tensors."""
    for index, grad in enumerate(grad_outputs):
        key = (node, index)
        if key in capture and grad is not None:
            capture[key] = grad


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into ``.grad`` the gradients of ``tensors`` with respect to the graph's leaves."""
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for _ in iter_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=inputs):
        pass


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is left alone)."""
    inputs = _as_tuple(inputs)
    for position, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {position}) does not require grad; "
                "call requires_grad_() on it or leave it out of inputs"
            )
    capture = {_edge_of(t): None for t in inputs}
    for _ in iter_backward(outputs, grad_outputs, retain_graph, create_graph, _capture=capture):
        pass
    results = []
    for position, tensor in enumerate(inputs):
        value = capture[_edge_of(tensor)]
        if value is None:
            if materialize_grads:
                value = _wrap(np.zeros_like(tensor._data))
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {position}) appears to not have "
                    "been used in the graph. Set allow_unused=True if this is the desired behavior."
                )
        results.append(value)
    return tuple(results)


# ------------------------------------------------------------------ tensor hooks
def retain_grad(tensor):
    """Make backward fill ``tensor.grad`` although it is not a leaf."""
    if tensor.grad_fn is None:
        if not tensor._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        return  # leaves keep .grad anyway
    if tensor._retains_grad:
        return
    tensor._retains_grad = True
    target = weakref.ref(tensor)

    def store_grad(grad):
        owner = target()
        if owner is not None:
            if owner._grad is None:
                owner._grad = _wrap(np.array(grad._data, copy=True)) if not grad._requires_grad else grad
            else:
                owner._grad = owner._grad + grad
        return None

    store_grad._gradlab_retains_grad = target
    tensor.grad_fn._register_tensor_hook(tensor._output_nr, store_grad)


def register_tensor_hook(tensor, hook):
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is None:
        if tensor._hooks is None:
            tensor._hooks = []
        tensor._hooks.append(hook)
        return _handle(tensor._hooks, hook)
    return tensor.grad_fn._register_tensor_hook(tensor._output_nr, hook)


def _handle(hooks, hook):
    return RemovableHandle(hooks, hook)


def _run_pre_hooks(node, grad_outputs, leaves):
    if node._tensor_pre_hooks:
        grad_outputs = list(grad_outputs)
        for index, hooks in node._tensor_pre_hooks.items():
            # user hooks first, then retain_grad's, so .grad sees the final value
            ordered = sorted(hooks, key=lambda h: hasattr(h, "_gradlab_retains_grad"))
            for hook in ordered:
                if grad_outputs[index] is None:
                    continue
                result = hook(grad_outputs[index])
                if result is not None:
                    grad_outputs[index] = result
                retained = getattr(hook, "_gradlab_retains_grad", None)
                if retained is not None and retained() is not None:
                    leaves.append(retained())
    if node._pre_hooks:
        for hook in node._pre_hooks:
            result = hook(tuple(grad_outputs))
            if result is not None:
                grad_outputs = list(result)
    return grad_outputs


def _run_post_hooks(node, grad_inputs, grad_outputs):
    for hook in node._hooks:
        result = hook(grad_inputs, tuple(grad_outputs))
        if result is not None:
            grad_inputs = tuple(result)
    return grad_inputs


# ------------------------------------------------------------------ graph walking
def _count_dependencies(roots):
    """How many edges lead into each node reachable from ``roots`` (iterative DFS)."""
    dependencies = {}
    stack = list(dict.fromkeys(roots))  # two outputs of one node are one root (a, b = x.split(2))
    seen = set(stack)
    while stack:
        node = stack.pop()
        for next_node in node._next_nodes:
            if next_node is None:
                continue
            dependencies[next_node] = dependencies.get(next_node, 0) + 1
            if next_node not in seen:
                seen.add(next_node)
                stack.append(next_node)
    return dependencies


def _needed_nodes(dependencies, roots, targets):
    """Nodes from which some target can be reached: only those need to run."""
    # Walk in reverse topological order (Kahn's order from the roots, reversed).
    remaining = dict(dependencies)
    order = []
    stack = [node for node in dict.fromkeys(roots) if remaining.get(node, 0) == 0]
    while stack:
        node = stack.pop()
        order.append(node)
        for next_node in node._next_nodes:
            if next_node is not None:
                remaining[next_node] -= 1
                if remaining[next_node] == 0:
                    stack.append(next_node)
    needed = set()
    for node in reversed(order):
        if node in targets or any(n in needed for n in node._next_nodes if n is not None):
            needed.add(node)
    return needed


# --------------------------------------------------------------------- arguments
def _is_tensor(value):
    return isinstance(value, Tensor)


def _as_tuple(values):
    if _is_tensor(values):
        return (values,)
    return tuple(values)


def _edge_of(tensor):
    """Where a tensor's gradient arrives: its grad_fn output slot, or its AccumulateGrad."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (grad_accumulator(tensor), 0)


def _root_edge(tensor, position):
    if not tensor._requires_grad:
        raise RuntimeError(
            f"element {position} of tensors does not require grad and does not have a grad_fn "
            "(nothing it was computed from is tracked: either no input had requires_grad=True, "
            "or the graph was cut on the way — by torch.no_grad(), detach(), or an operation "
            "without a gradient such as a comparison or argmax)"
        )
    if tensor._base is not None and tensor.grad_fn is not None:
        check_view_is_current(tensor)
    return _edge_of(tensor)


def _initial_grads(tensors, grad_tensors):
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    else:
        grad_tensors = _as_tuple(grad_tensors) if not isinstance(grad_tensors, (list, tuple)) \
            else tuple(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(
            f"got {len(grad_tensors)} gradients for {len(tensors)} tensors; give one per tensor"
        )
    result = []
    for position, (tensor, grad) in enumerate(zip(tensors, grad_tensors)):
        if grad is None:
            if tensor._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs "
                    f"(this output has shape {list(tensor._data.shape)}); pass gradient= with "
                    "the same shape, e.g. y.backward(torch.ones_like(y)), or reduce it first "
                    "with y.sum()"
                )
            grad = _wrap(np.ones_like(tensor._data))
        else:
            if not _is_tensor(grad):
                grad = tensor_from_data(grad, dtype=tensor.dtype)
            if grad._data.shape != tensor._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{position}] has a shape of {grad.shape} and "
                    f"output[{position}] has a shape of {tensor.shape}."
                )
            if grad._data.dtype != tensor._data.dtype:
                grad = grad.to(tensor.dtype)
        result.append(grad)
    return result


