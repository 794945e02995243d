"""``Optimizer``: the base of ``SGD``, ``Adam``, ``AdamW``, ``Adagrad`` and ``RMSprop``.

An optimizer holds the parameters to train, grouped in ``param_groups``
(each group a dict: ``{'params': [...], 'lr': 0.1, ...}``, defaults filled
in), and per-parameter ``state`` (momentum buffers, running averages). The
training loop is always the same three calls::

    optimizer.zero_grad()   # forget last step's gradients (.grad = None)
    loss.backward()         # fill .grad of every parameter
    optimizer.step()        # move every parameter against its gradient

``step`` changes each parameter in place, without recording a graph, so a
parameter stays the same leaf tensor that the model (and the optimizer)
hold. The update rules are written on the NumPy arrays behind the tensors:
they are plain arithmetic that no gradient flows through.
"""
import copy
import warnings
from collections import defaultdict
from itertools import chain

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor, bump_version


class _RequiredParameter:
    """Marks a hyperparameter with no default (``lr`` of a hand-written optimizer)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """``Optimizer(params, defaults)``: ``params`` is an iterable of tensors, or of dicts
    (parameter groups, each with its own hyperparameters)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {params.type()}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def add_param_group(self, param_group):
        """Add a group of parameters, e.g. a layer to fine-tune with its own ``lr``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        # model.named_parameters() gives (name, parameter) pairs: keep the names too
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["params"] = [p[1] for p in param_group["params"]]
            param_group["param_names"] = names
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients: ``.grad = None`` (the default), or zeros kept in place."""
        for group in self.param_groups:
            for param in group["params"]:
                grad = param._grad
                if grad is None:
                    continue
                if set_to_none:
                    param._grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given.

        Parameters whose ``.grad`` is None (not used by this loss) are skipped, as in PyTorch.
        Updates happen in place under ``no_grad``, so parameters stay the same leaf tensors.
        """
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param._grad is not None:
                        self._update(param, group)
        return loss

    def _update(self, param, group):
        """Change ``param`` in place from its ``.grad``: each optimizer's own rule."""
        raise TypeError(f"{type(self).__name__} must define _update(param, group)")

    @staticmethod
    def _evaluate(closure):
        """Run ``closure`` (which recomputes the loss and calls backward) with grad enabled."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------- saving state
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.

        Parameters are replaced by their position, so the dict can be loaded
        into an optimizer over another model of the same architecture.
        """
        mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                             if id(p) not in mappings})
            packed["params"] = [mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {name: _cast_state(param, name, item) for name, item in value.items()}
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group:
                saved.setdefault("param_names", group["param_names"])
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(param, name, value):
    """A saved state tensor in the parameter's dtype ('step' keeps its own). As in PyTorch,
    a tensor already of that dtype is not copied: the loaded optimizer shares it with the dict."""
    if not isinstance(value, Tensor) or name == "step" or not param.is_floating_point():
        return value
    return value.to(param.dtype)


def _typename(value):
    return value.type() if isinstance(value, Tensor) else type(value).__name__


def _check_nonnegative(**hyperparameters):
    """PyTorch's ``ValueError`` for the first negative (or NaN) hyperparameter, in the order given."""
    for name, value in hyperparameters.items():
        if not 0.0 <= value:
            label = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {label}: {value}")


def _signed_grad(param, group):
    """The gradient array the update follows: ``-grad`` when the group maximizes."""
    grad = param._grad._data
    return -grad if group["maximize"] else grad


def _bump_versions(param, state):
    """Record the in-place update of ``param`` and of each of its state tensors."""
    for value in state.values():
        bump_version(value)
    bump_version(param)


def _check_flags(optimizer_name, differentiable=False, fused=None, capturable=False):
    """Arguments PyTorch has for GPUs or higher-order training, which gradlab does not need."""
    if differentiable:
        raise NotImplementedError(f"{optimizer_name}(differentiable=True) is not supported by "
                                  "gradlab: its step is not recorded in the graph")
    if fused:
        raise NotImplementedError(f"{optimizer_name}(fused=True) is a GPU kernel; gradlab's "
                                  "step is NumPy on the CPU (leave fused out)")
    if capturable:
        raise NotImplementedError(f"{optimizer_name}(capturable=True) is for CUDA graphs, "
                                  "which gradlab does not have")

