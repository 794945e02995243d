"""Saving and loading: ``torch.save(obj, f)`` and ``torch.load(f)``.

``save`` pickles any object — a tensor, a ``state_dict`` (an OrderedDict of
tensors), an optimizer's state_dict, a checkpoint dict with an epoch number, a
whole module — into a zip archive laid out as PyTorch's: ``archive/data.pkl``
holds the pickle, and each block of tensor memory is one file
``archive/data/<key>`` (little-endian raw values). A tensor is saved as its
dtype, shape, strides, offset into its memory block and ``requires_grad``
(not its graph: a non-leaf comes back as a leaf, as in PyTorch). Tensors that
share memory (a tensor and its views) share it again after loading.

Files written by gradlab are not readable by PyTorch (their pickle names
gradlab's functions). The other way works for plain data: ``load`` reads a
checkpoint that PyTorch's ``torch.save`` wrote (tensors, Parameters, dicts,
lists, numbers, strings), but not a pickled PyTorch module or other PyTorch
classes, and not the legacy (pre-1.6, non-zip) format.

``weights_only=True`` (the default, as in PyTorch 2.6 and later) unpickles only
tensors, Parameters, dicts, OrderedDicts, lists, tuples, sets, numbers,
strings, bytes, None, dtypes, devices and sizes: a file can then run no code
while loading. Anything else is refused with PyTorch's "Weights only load
failed" error; load such a file (a whole module) with ``weights_only=False``
only if you trust it, or allow a class with ``add_safe_globals``.
"""
import codecs
import collections
import contextlib
import io
import os
import pickle
import zipfile

import numpy as np

from . import dtypes
from .device import check_device, device as _device
from .ops.strides import address, as_view, contiguous_strides
from .size import Size
from .tensor import Tensor, _wrap

DEFAULT_PROTOCOL = 2
_SAVED_BY_GRADLAB = "gradlab 1\n"


# ================================================================== memory blocks
def _storage_of(array):
    """``(owner, flat, offset, strides)``: the block of memory ``array`` looks into, as a flat
    array, and where in it ``array`` starts and how it steps (in elements); ``owner`` is None
    when the block cannot be shared (``flat`` is then a copy of ``array`` alone)."""
    owner = array
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    itemsize = array.itemsize
    start = address(array) - address(owner)
    shareable = (owner.dtype == array.dtype and (owner.flags.c_contiguous or owner.flags.f_contiguous)
                 and start >= 0 and start % itemsize == 0
                 and all(s >= 0 and s % itemsize == 0 for s in array.strides))
    if not shareable:
        flat = np.ascontiguousarray(array).reshape(-1)
        return None, flat, 0, contiguous_strides(array.shape)
    flat = owner.reshape(-1, order="A" if owner.flags.f_contiguous and not owner.flags.c_contiguous
                         else "C")
    return owner, flat, start // itemsize, tuple(s // itemsize for s in array.strides)


def _view(flat, offset, shape, strides):
    return as_view(flat[offset:] if flat.size else flat, tuple(shape), strides)


def copied_array(array, memo):
    """A copy of ``array`` for ``copy.deepcopy``: arrays that shared memory before share the
    copied memory after (``memo`` remembers each copied block)."""
    owner, flat, offset, strides = _storage_of(array)
    if owner is None:
        return array.copy()
    key = ("gradlab memory block", id(owner))
    if key not in memo:
        memo[key] = flat.copy()
        memo.setdefault(id(memo), []).append(owner)  # keep the id valid while copying
    return _view(memo[key], offset, array.shape, strides)


# ======================================================================= save
class _StorageReference:
    __slots__ = ("key", "dtype", "numel")

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


class _Pickler(pickle.Pickler):
    """Pickles a tensor as a reference to its memory block, written beside the pickle."""

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.blocks = {}  # id(owner) -> (key, flat array, owner)

    def reducer_override(self, obj):
        if not isinstance(obj, Tensor):
            return NotImplemented
        array = obj._data
        owner, flat, offset, strides = _storage_of(array)
        block_id = id(owner) if owner is not None else id(flat)
        if block_id not in self.blocks:
            self.blocks[block_id] = (str(len(self.blocks)), flat, owner)
        key = self.blocks[block_id][0]
        reference = _StorageReference(key, obj.dtype.name, flat.size)
        from .nn.parameter import Parameter

        return _rebuild_tensor, (reference, offset, tuple(array.shape), strides, obj.requires_grad,
                                 isinstance(obj, Parameter))

    def persistent_id(self, obj):
        if isinstance(obj, _StorageReference):
            return ("storage", obj.dtype, obj.key, "cpu", obj.numel)
        return None


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f``: a file name (str or ``pathlib.Path``) or a binary file object."""
    if pickle_module is not pickle:
        raise NotImplementedError("gradlab's save uses the standard pickle module only")
    pickled = io.BytesIO()
    pickler = _Pickler(pickled, pickle_protocol)
    pickler.dump(obj)
    with _opened(f, "wb") as file:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("archive/data.pkl", pickled.getvalue())
            archive.writestr("archive/byteorder", "little")
            archive.writestr("archive/.format_version", _SAVED_BY_GRADLAB)
            for key, flat, _ in pickler.blocks.values():
                little = flat.astype(flat.dtype.newbyteorder("<"), copy=False)
                archive.writestr(f"archive/data/{key}", little.tobytes())
            archive.writestr("archive/version", "3\n")


@contextlib.contextmanager
def _opened(f, mode):
    if isinstance(f, (str, os.PathLike)):
        with open(f, mode) as file:
            yield file
        return
    needed = "write" if "w" in mode else "read"
    if not hasattr(f, needed):
        kind = "with a 'write' attribute" if needed == "write" else "with a 'read' attribute"
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object {kind}")
    yield f


# ======================================================================= load
def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad, is_parameter=False):
    """A tensor over ``storage`` (a flat array shared by the tensors saved from one block)."""
    array = _view(storage, storage_offset, size, stride)
    if is_parameter:
        return _rebuild_parameter(_wrap(array), requires_grad)
    result = _wrap(array)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _rebuild_parameter(data, requires_grad, backward_hooks=None, state=None):
    from .nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _rebuild_torch_tensor(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                          metadata=None):
    """PyTorch's ``torch._utils._rebuild_tensor_v2``, as gradlab reads it."""
    return _rebuild_tensor(storage, storage_offset, size, stride, requires_grad)


# What a PyTorch checkpoint names, and what gradlab builds instead.
_TORCH_GLOBALS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_torch_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): Size,
    ("torch", "device"): _device,
    **{("torch", f"{dtypes.type_name(d)}Storage"): d for d in dtypes.ALL},  # FloatStorage, ...
}

_SAFE_GLOBALS = {
    (item.__module__, item.__qualname__): item
    for item in (collections.OrderedDict, set, frozenset, complex, bytearray, slice, range,
                 _rebuild_tensor, _rebuild_parameter, Size, _device, dtypes._by_name)
}
_SAFE_GLOBALS[("_codecs", "encode")] = codecs.encode  # how protocol 2 pickles bytes
_user_safe_globals = {}


def add_safe_globals(safe_globals):
    """Allow these classes or functions in ``load(..., weights_only=True)`` (trusted files only)."""
    for item in safe_globals:
        _user_safe_globals[(item.__module__, item.__qualname__)] = item


def get_safe_globals():
    return list(_user_safe_globals.values())


def clear_safe_globals():
    _user_safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """``with safe_globals([MyClass]):`` allows them in weights_only loads inside the block."""
    saved = dict(_user_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _user_safe_globals.clear()
        _user_safe_globals.update(saved)


def _weights_only_error(module, name):
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, "
        "do those steps only if you trust the source of the checkpoint. \n"
        "\t(1) In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
        "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
        "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
        "you got the file from a trusted source.\n"
        "\t(2) Alternatively, to load with `weights_only=True` please check the recommended steps "
        "in the following error message.\n"
        f"\tWeightsUnpickler error: Unsupported global: GLOBAL {module}.{name} was not an allowed "
        f"global by default. Please use `torch.serialization.add_safe_globals([{name}])` or the "
        f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this global "
        "if you trust this class/function.")


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive, prefix, weights_only):
        super().__init__(file)
        self.archive, self.prefix, self.weights_only = archive, prefix, weights_only
        self.storages = {}

    def find_class(self, module, name):
        module = "builtins" if module == "__builtin__" else module
        found = _TORCH_GLOBALS.get((module, name)) or _SAFE_GLOBALS.get((module, name)) \
            or _user_safe_globals.get((module, name))
        if found is not None:
            return found
        if module == "torch" and isinstance(getattr(dtypes, name, None), dtypes.dtype):
            return getattr(dtypes, name)  # torch.float32 pickled by name
        if self.weights_only:
            raise _weights_only_error(module, name)
        if module == "torch" or module.startswith("torch."):
            raise pickle.UnpicklingError(
                f"this file holds a PyTorch object ({module}.{name}) that gradlab cannot rebuild: "
                "gradlab reads PyTorch checkpoints of tensors and plain data (save "
                "model.state_dict() with PyTorch, not the model)")
        return super().find_class(module, name)

    def persistent_load(self, saved_id):
        kind, storage_type, key, location, numel = saved_id
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown kind of saved data: {kind!r}")
        dtype = storage_type if isinstance(storage_type, dtypes.dtype) else getattr(dtypes, storage_type)
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}data/{key}")
            little = np.frombuffer(raw, dtype=np.dtype(dtype.numpy_dtype).newbyteorder("<"))
            self.storages[key] = little.astype(dtype.numpy_dtype)  # a writable, native copy
        return self.storages[key]


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load what ``save`` wrote (or a PyTorch checkpoint of tensors and plain data) from ``f``.

    ``weights_only`` (default True) refuses anything but tensors and plain data; pass
    ``weights_only=False`` for a pickled module, only for files you trust. ``map_location``
    may be None, "cpu", a cpu device, a dict or a function (everything loads on the CPU).
    """
    if weights_only is None:
        weights_only = pickle_module is None
    _check_map_location(map_location)
    with _opened(f, "rb") as file:
        data = file.read()
    if not data:
        raise EOFError("Ran out of input: the file is empty")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise pickle.UnpicklingError(
            "this is not a file written by torch.save: expected a zip archive with a data.pkl "
            "inside (PyTorch's legacy format from before 1.6 is not supported either)") from None
    with archive:
        pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
        if not pickles:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found "
                               "(not a checkpoint written by torch.save)")
        prefix = pickles[0][:-len("data.pkl")]
        unpickler = _Unpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix, weights_only)
        return unpickler.load()


def _check_map_location(map_location):
    if map_location is None or callable(map_location):
        return
    if isinstance(map_location, dict):
        for target in map_location.values():
            check_device(target)
        return
    check_device(map_location)


__all__ = ["save", "load", "add_safe_globals", "safe_globals", "get_safe_globals",
           "clear_safe_globals", "DEFAULT_PROTOCOL"]
