"""Lazy modules: layers whose parameter shapes come from their first input
(``nn.LazyLinear(out_features)`` learns ``in_features`` from ``x.shape[-1]``).

Until the first call the parameters are ``UninitializedParameter`` objects; a forward
pre-hook then calls ``initialize_parameters(input)``, which gives them their shapes and
starting values, and the module becomes its ordinary class (``cls_to_become``: a
``LazyLinear`` turns into a ``Linear``), as PyTorch's do.
"""
from ..parameter import is_lazy


class LazyModuleMixin:
    """Mixed in before a layer class: ``class LazyLinear(LazyModuleMixin, Linear)``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the first pre-hook, so the parameters exist before any hook a user adds runs
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self):
        """True while some parameter or buffer has no shape yet."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def _load_from_state_dict(self, state_dict, prefix, strict, missing_keys, unexpected_keys,
                              error_messages):
        # a checkpoint gives the shapes: take them before its values are copied in
        for name, param in self._parameters.items():
            value = state_dict.get(prefix + name)
            if is_lazy(param) and value is not None and not is_lazy(value) and hasattr(value, "_data"):
                param.materialize(value.shape)
        super()._load_from_state_dict(state_dict, prefix, strict, missing_keys, unexpected_keys,
                                      error_messages)


def _infer_parameters(module, args):
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
