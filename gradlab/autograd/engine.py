"""The backward engine: one iterative walk over the graph, one node at a time.

``iter_backward`` is the engine.  It

1. counts, for every node reachable from the outputs, how many edges lead
   into it (an explicit stack, no recursion, so a graph a million nodes deep
   works);
2. runs a node only when every gradient for it has arrived — the gradients
   that arrive for the same input are *added* in its buffer first;
3. picks the next node to run as PyTorch does: from a ready queue ordered by
   the node's sequence number, the most recently created first.  Every
   ``AccumulateGrad`` has the largest number, so a leaf's gradient goes into
   ``.grad`` as soon as it is complete;
4. yields a ``BackwardStep`` record for every node it runs.

``backward()`` and ``grad()`` are that generator run to the end, so the
backprop stepper in the notebook shows exactly what the real engine does —
hooks run, and leaves fill, in PyTorch's order.
"""
import heapq

import numpy as np

from ..dtypes import tensor_type_name
from ..tensor import Tensor, _wrap
from .grad_mode import _state as _grad_state
from .node import AccumulateGrad, RemovableHandle, grad_accumulator, retain_output


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


class _Ready:
    """An entry of the ready queue: the highest sequence number comes out first.

    PyTorch's queue is a C++ ``std::priority_queue`` compared on sequence numbers
    alone, and every AccumulateGrad has the same one, so which of several ready
    leaves goes first is whatever that binary heap leaves on top.  ``heapq`` sifts
    exactly as the C++ heap does; comparing numbers only, never the nodes, gives
    the same order for those ties.
    """

    __slots__ = ("priority", "node")

    def __init__(self, node):
        self.priority = node._sequence_nr
        self.node = node

    def __lt__(self, other):  # heapq pops the "smallest": here, the highest number
        return self.priority > other.priority


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
    execute = None  # every node runs, unless only some gradients are wanted
    if inputs is not None or _capture is not None:
        targets = {_edge_of(t)[0] for t in _as_tuple(inputs or ())}
        execute = _nodes_to_execute(dependencies, roots, targets, {node for node, _ in _capture or ()})

    # The roots get their gradients first, in order; a root is ready after its last one
    # (PyTorch hands them out from a GraphRoot node, in this order).
    buffers = {}
    ready = []
    root_edges_left = {}
    for node, _ in roots:
        root_edges_left[node] = root_edges_left.get(node, 0) + 1
    for (node, index), grad in zip(roots, grad_tensors):
        buffer = buffers.setdefault(node, [None] * node._num_outputs)
        buffer[index] = grad if buffer[index] is None else buffer[index] + grad
        root_edges_left[node] -= 1
        if not root_edges_left[node] and not dependencies.get(node) \
                and (execute is None or node in execute):
            heapq.heappush(ready, _Ready(node))

    heappush, heappop = heapq.heappush, heapq.heappop
    node = heappop(ready).node if ready else None
    while node is not None:
        grad_outputs = buffers.pop(node, None)
        received = grad_outputs is not None
        if not received:  # only "no gradient" (None) arrived: hooks still see it
            grad_outputs = [None] * node._num_outputs
        grad_inputs = ()
        leaves = []
        previous_mode = _grad_state.enabled
        _grad_state.enabled = create_graph  # hooks and backward record only for create_graph
        try:
            if execute is not None and not execute[node]:
                # grad() wants this node's gradient and nothing below it: as PyTorch, run
                # its tensor hooks only, keep their result, and go no further.
                grad_outputs = _call_tensor_pre_hooks(node, grad_outputs, leaves)
                _capture_grads(_capture, node, grad_outputs)
            else:
                if _capture is not None:
                    _capture_grads(_capture, node, grad_outputs)  # before its hooks, as PyTorch
                if node._tensor_pre_hooks or node._retained_outputs or node._pre_hooks:
                    grad_outputs = _call_pre_hooks(node, grad_outputs, leaves)
                    received = any(grad is not None for grad in grad_outputs)
                if received:
                    grad_inputs = node._run_backward(grad_outputs)
                    if node.__class__ is AccumulateGrad:
                        leaves.append(node.variable)
                        if node.variable._post_accumulate_grad_hooks:
                            _call_post_accumulate_grad_hooks(node.variable)
                else:
                    grad_inputs = (None,) * len(node._next_nodes)
                if node._hooks:
                    grad_inputs = _call_post_hooks(node, grad_inputs, grad_outputs)
                if not retain_graph:
                    node._release()
        finally:
            _grad_state.enabled = previous_mode
        # Send each gradient along its edge; a node is ready once all its edges have reported.
        # A node that becomes ready while the queue is empty is the one to run next: it
        # skips the heap (a chain of ops never touches it).
        following = None
        indices = node._next_indices
        for position, next_node in enumerate(node._next_nodes):
            if next_node is None:
                continue
            remaining = dependencies[next_node] - 1
            dependencies[next_node] = remaining
            if execute is not None and next_node not in execute:
                continue  # nothing wanted lies below it
            grad = grad_inputs[position] if grad_inputs else None
            if grad is not None:
                index = indices[position] if indices else 0
                buffer = buffers.get(next_node)
                if buffer is None:
                    buffers[next_node] = buffer = [None] * next_node._num_outputs
                existing = buffer[index]
                buffer[index] = grad if existing is None else existing + grad
            if not remaining:
                if following is None and not ready:
                    following = next_node
                else:
                    if following is not None:
                        heappush(ready, _Ready(following))
                        following = None
                    heappush(ready, _Ready(next_node))
        yield BackwardStep(node, grad_outputs, grad_inputs, leaves)
        if following is not None:
            node = following
        else:
            node = heappop(ready).node if ready else None


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
        for tensor in inputs:
            if tensor.grad_fn is not None:
                retain_grad(tensor)  # a non-leaf input gets its .grad as PyTorch gives it one
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
    node = tensor.grad_fn
    if node is None:
        if not tensor.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        return  # leaves keep .grad anyway
    if tensor._retains_grad:
        return
    tensor._retains_grad = True
    retain_output(node, tensor._output_nr, tensor)  # moves along if an in-place op replaces node


def register_tensor_hook(tensor, hook):
    """``tensor.register_hook(hook)``: a hook on the node that receives the tensor's gradient
    (its grad_fn, or for a leaf its AccumulateGrad, which reads ``tensor._hooks``)."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node = tensor.grad_fn
    if node is None:
        if tensor._hooks is None:
            tensor._hooks = []
        tensor._hooks.append(hook)
        return RemovableHandle(tensor._hooks, hook)
    return node._register_tensor_hook(tensor._output_nr, hook)


def register_post_accumulate_grad_hook(tensor, hook):
    """``tensor.register_post_accumulate_grad_hook(hook)``: ``hook(tensor)`` after ``.grad`` changed."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise RuntimeError(
            "post accumulate grad hooks cannot be registered on non-leaf tensors (they run when "
            "backward adds into a leaf's .grad; use register_hook on this tensor instead)"
        )
    if tensor._post_accumulate_grad_hooks is None:
        tensor._post_accumulate_grad_hooks = []
    tensor._post_accumulate_grad_hooks.append(hook)
    return RemovableHandle(tensor._post_accumulate_grad_hooks, hook)


# ------------------------------------------------------------------ running hooks
# PyTorch's order for one node: the tensor hooks of each output (``register_hook``), then
# retain_grad's storing (so ``.grad`` sees the final value), then the node's pre-hooks, the
# node itself, its post-hooks. Whatever a hook returns is checked as PyTorch checks it.
def _call_pre_hooks(node, grad_outputs, leaves):
    grad_outputs = _call_tensor_pre_hooks(node, grad_outputs, leaves)
    for hook in tuple(node._pre_hooks or ()):
        result = hook(tuple(grad_outputs))
        if result is not None:
            _check_hook_results(hook, grad_outputs, result)
            grad_outputs = list(result)
    return grad_outputs


def _call_tensor_pre_hooks(node, grad_outputs, leaves):
    grad_outputs = list(grad_outputs)
    for index, hooks in (node._tensor_pre_hooks or {}).items():
        grad = grad_outputs[index]
        for hook in tuple(hooks):
            result = hook(grad)
            if result is not None and result is not grad:
                _check_hook_result(hook, grad, result)
                grad = result
        grad_outputs[index] = grad
    for index, reference in (node._retained_outputs or {}).items():
        tensor = reference()
        if tensor is not None and grad_outputs[index] is not None:
            _store_retained_grad(tensor, grad_outputs[index])
            leaves.append(tensor)
    return grad_outputs


def _call_post_hooks(node, grad_inputs, grad_outputs):
    for hook in tuple(node._hooks):
        result = hook(grad_inputs, tuple(grad_outputs))
        if result is not None:
            _check_hook_results(hook, grad_inputs, result)
            grad_inputs = result
    return grad_inputs


def _call_post_accumulate_grad_hooks(tensor):
    for hook in tuple(tensor._post_accumulate_grad_hooks):
        result = hook(tensor)
        if result is not None and result is not tensor:
            _check_hook_result(hook, tensor, result)
            raise RuntimeError(
                "Tensor post accumulate grad hooks should return None. (The hook receives the "
                "leaf itself: change tensor.grad in place if you must, and return nothing.)"
            )


def _store_retained_grad(tensor, grad):
    """retain_grad(): the first gradient is cloned into ``.grad``, later ones are added."""
    if tensor._grad is None:
        tensor._grad = grad.clone()
    else:
        tensor._grad = tensor._grad + grad


def _hook_name(hook):
    name = getattr(hook, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def _check_hook_results(hook, originals, results):
    """A node hook returns a tuple with one gradient (or None) per gradient it was given."""
    if not isinstance(results, tuple):
        raise TypeError(
            f"expected tuple, but hook returned '{type(results).__name__}': a hook registered "
            "with register_hook/register_prehook on a grad_fn returns a tuple with one gradient "
            "per slot (or None to keep them)"
        )
    if len(results) != len(originals):
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got "
            f"{len(results)}, but expected {len(originals)}): return one gradient per slot of "
            "the tuple it received, None where there is none"
        )
    for original, result in zip(originals, results):
        if result is not None:
            _check_hook_result(hook, original, result)


def _check_hook_result(hook, original, result):
    """A gradient a hook returns must be a tensor of the shape and dtype it replaces."""
    if original is None:
        raise RuntimeError(
            "can't replace a None gradient with a non-None value: no gradient flows through "
            "this slot, so the hook must return None for it"
        )
    if not isinstance(result, Tensor):
        raise TypeError(
            f"expected Variable, but hook returned '{type(result).__name__}': a hook returns a "
            "Tensor (the new gradient) or None to keep the one it received"
        )
    if result._data.dtype != original._data.dtype:
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has changed the type of value (was "
            f"{tensor_type_name(original._data.dtype)} got {tensor_type_name(result._data.dtype)}): "
            "return the gradient in its own dtype, e.g. new_grad.to(grad.dtype)"
        )
    if result._data.shape != original._data.shape:
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has changed the size of value: it received a gradient of "
            f"shape {list(original._data.shape)} and returned one of shape "
            f"{list(result._data.shape)}; return a gradient of the same shape"
        )


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


def _nodes_to_execute(dependencies, roots, targets, captured):
    """PyTorch's ``exec_info`` when only some gradients are wanted: node -> must it run?

    A node runs (True) when it is a ``backward(inputs=)`` target or a wanted gradient lies
    below it; a node ``grad()`` only reads a gradient from is there with False; other nodes,
    the roots too, are left out (never queued).
    """
    # Kahn's order from the roots, walked backwards: children before parents.
    remaining = dict(dependencies)
    order = []
    stack = [node for node in dict.fromkeys(node for node, _ in roots) if not remaining.get(node)]
    while stack:
        node = stack.pop()
        order.append(node)
        for next_node in node._next_nodes:
            if next_node is not None:
                remaining[next_node] -= 1
                if not remaining[next_node]:
                    stack.append(next_node)
    execute = {}
    for node in reversed(order):
        if node in targets or any(n in execute for n in node._next_nodes if n is not None):
            execute[node] = True
        elif node in captured:
            execute[node] = False
    return execute


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
    if not tensor.requires_grad:  # (the property: a view may have come to require grad)
        raise RuntimeError(
            f"element {position} of tensors does not require grad and does not have a grad_fn "
            "(nothing it was computed from is tracked: either no input had requires_grad=True, "
            "or the graph was cut on the way — by torch.no_grad(), detach(), or an operation "
            "without a gradient such as a comparison or argmax)"
        )
    return _edge_of(tensor)


def _initial_grads(tensors, grad_tensors):
    """One starting gradient per output, checked as ``torch.autograd.backward`` checks them.

    As in PyTorch, gradients past the number of outputs are ignored.
    """
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    else:
        grad_tensors = _as_tuple(grad_tensors)
    result = []
    for position, (tensor, grad) in enumerate(zip(tensors, grad_tensors)):
        if grad is None:
            if tensor.requires_grad:
                if tensor._data.size != 1:
                    raise RuntimeError(
                        "grad can be implicitly created only for scalar outputs "
                        f"(this output has shape {list(tensor._data.shape)}); pass gradient= with "
                        "the same shape, e.g. y.backward(torch.ones_like(y)), or reduce it first "
                        "with y.sum()"
                    )
                grad = _wrap(np.ones_like(tensor._data))
        elif not _is_tensor(grad):
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(grad).__name__} "
                f"(gradient {position}): make it a tensor of the output's shape, e.g. "
                "y.backward(torch.tensor([1., 1.])) rather than y.backward([1., 1.])"
            )
        else:
            if grad._data.shape != tensor._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{position}] has a shape of {grad.shape} and "
                    f"output[{position}] has a shape of {tensor.shape}."
                )
            if grad._data.dtype != tensor._data.dtype:
                grad = grad.to(tensor.dtype)
        result.append(grad)
    if len(result) != len(tensors):
        raise RuntimeError(
            f"got {len(tensors)} tensors and {len(result)} gradients: give one gradient per "
            "tensor (None for a scalar output)"
        )
    return result
