"""Grad mode: whether operations are recorded in the graph right now.

PyTorch keeps this flag per thread, so a ``no_grad`` block in one thread does
not switch recording off in another.  ``no_grad``, ``enable_grad`` and
``set_grad_enabled`` work both as context managers and as decorators.
"""
import functools
import threading


class _GradState(threading.local):
    enabled = True


_state = _GradState()


def is_grad_enabled():
    """True when new operations record a ``grad_fn``."""
    return _state.enabled


class _GradModeContext:
    """Base for the context managers: remembers the previous mode and restores it."""

    _mode = True

    def __enter__(self):
        self._previous = _state.enabled
        _state.enabled = self._mode
        return None

    def __exit__(self, *exc_info):
        _state.enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)

        return run_in_mode


class no_grad(_GradModeContext):
    """Stop recording: tensors made inside have no ``grad_fn`` and do not require grad.

    Use it for updates such as ``with no_grad(): w -= lr * w.grad``, which keep
    ``w`` the same leaf tensor.
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Record again inside a ``no_grad`` block."""

    _mode = True


class inference_mode(no_grad):
    """gradlab treats ``inference_mode`` as ``no_grad`` (no separate inference tensors)."""

    def __init__(self, mode=True):
        self._mode = not mode

    def __call__(self, function):
        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with inference_mode(not self._mode):
                return function(*args, **kwargs)

        return run_in_mode


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off at once; as a context
    manager it restores the previous mode on exit, as PyTorch does."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled() expects a bool, got {type(mode).__name__}")
        self._previous = _state.enabled
        self._mode = mode
        _state.enabled = mode

    def __enter__(self):
        return None

    def __call__(self, function):
        _state.enabled = self._previous  # decorating must not change the mode now

        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with set_grad_enabled(self._mode):
                return function(*args, **kwargs)

        return run_in_mode
