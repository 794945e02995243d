"""NumPy's argument names that PyTorch accepts too: ``axis`` for ``dim``, ``keepdims`` for ``keepdim``.

PyTorch's argument parser reads ``x.sum(axis=0)`` and ``torch.mean(x, 1, keepdims=True)``
as ``dim`` and ``keepdim`` wherever a function has those arguments; naming one argument
both ways (``dim=0, axis=1``) is refused. ``accepts_numpy_names`` gives a gradlab
function the same two spellings, and the same refusal.
"""
import functools

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def accepts_numpy_names(function):
    """``function`` (with arguments ``dim`` and/or ``keepdim``) also called with ``axis``/``keepdims``."""
    code = function.__code__
    positional = code.co_varnames[:code.co_argcount]
    keyword_only = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    # (alias, name, position of name among the positional arguments or None)
    renames = tuple((alias, name, positional.index(name) if name in positional else None)
                    for alias, name in _ALIASES if name in positional + keyword_only)
    shown_name = function.__name__

    @functools.wraps(function)
    def call(*args, **kwargs):
        if kwargs:
            for alias, name, position in renames:
                if alias in kwargs:
                    if name in kwargs or (position is not None and len(args) > position):
                        raise TypeError(f"{shown_name}() got an unexpected keyword argument '{alias}'")
                    kwargs[name] = kwargs.pop(alias)
        return function(*args, **kwargs)

    # the frame is named after the op, as %%autograd reads the outermost gradlab frame's name
    call.__code__ = call.__code__.replace(co_name=shown_name)
    return call
