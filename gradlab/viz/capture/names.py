"""Which variables hold which tensors: ``name_tensors(globals())`` → ``{id(tensor): [names]}``.

Top-level names, items of lists/tuples/dicts (``params[0]``), fields of named
results (``result.indices``), ``.grad`` of a named tensor and the parameters of
modules (``model.fc1.weight``). Names starting with ``_`` (IPython's output
history) are skipped. A graph labels its boxes with these names.
"""
import weakref

from ...tensor import Tensor

MAX_ITEMS = 64  # items of one list, tuple or dict looked at (and tensors read from one op's arguments)


def name_tensors(namespace, refs=None):
    """``{id(tensor): sorted names}`` for the tensors in ``namespace``, plain names first.

    ``refs``, when given, is filled with ``{id(tensor): weakref}`` (to check an id later).
    """
    found = {}

    def add(tensor, name):
        found.setdefault(id(tensor), set()).add(name)
        if refs is not None and id(tensor) not in refs:
            refs[id(tensor)] = weakref.ref(tensor)

    for name in sorted(namespace):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        value = namespace[name]
        if isinstance(value, Tensor):
            add(value, name)
            if value._grad is not None:
                add(value._grad, f"{name}.grad")
        elif isinstance(value, tuple) and hasattr(value, "_fields") \
                and len(value._fields) == len(value):
            for field, item in zip(value._fields, value):
                if isinstance(item, Tensor):
                    add(item, f"{name}.{field}")
        elif isinstance(value, (list, tuple)):
            for position, item in enumerate(value[:MAX_ITEMS]):
                if isinstance(item, Tensor):
                    add(item, f"{name}[{position}]")
        elif isinstance(value, dict):
            for key in list(value)[:MAX_ITEMS]:
                if isinstance(value[key], Tensor) and isinstance(key, (str, int)):
                    add(value[key], f"{name}[{key!r}]")
        elif not isinstance(value, type) and _is_gradlab_module(value):
            for parameter_name, parameter in value.named_parameters():
                if isinstance(parameter, Tensor):
                    add(parameter, f"{name}.{parameter_name}")
    return {key: sorted(names, key=_name_order) for key, names in found.items()}


def _is_gradlab_module(value):
    """A gradlab ``nn.Module`` (or a user's subclass of one): its parameters get names."""
    return callable(getattr(value, "named_parameters", None)) and any(
        cls.__module__.startswith("gradlab.") for cls in type(value).__mro__[:-1])


def _name_order(name):
    """Plain variable names first (``x`` before ``params[0]``), then alphabetical."""
    return ("[" in name or "." in name, name)
