"""``torch.accelerator`` as seen from gradlab, which runs on the CPU only: what a CPU build of
PyTorch answers, so the device line of PyTorch's tutorials picks the CPU::

    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"

Everything that would reach an accelerator device raises PyTorch's RuntimeError.
"""
import warnings

_NO_DEVICE = "Cannot access accelerator device when none is available."


def is_available():
    """False: gradlab has no accelerator (GPU, MPS, XPU, ...)."""
    return False


def current_accelerator(check_available=False):
    """The accelerator's device type, or None when there is none (always, in gradlab)."""
    return None


def device_count():
    """The number of accelerator devices: 0."""
    return 0


def _no_device():
    raise RuntimeError(_NO_DEVICE)


def current_device_index():
    _no_device()


def current_device_idx():
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_index(device, /):
    if device is None:
        raise ValueError("Expected a torch.device with a specified index or an integer, but got:None")
    _no_device()


def set_device_idx(device, /):
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    return set_device_index(device)


def synchronize(device=None, /):
    _no_device()


def current_stream(device=None, /):
    _no_device()


def empty_cache():
    _no_device()


def memory_stats(device_index=None, /):
    _no_device()


memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = memory_stats
reset_peak_memory_stats = reset_accumulated_memory_stats = get_memory_info = memory_stats
get_device_capability = memory_stats


class device_index:  # noqa: N801 (PyTorch's name)
    """``with torch.accelerator.device_index(i):``; ``None`` switches nothing, any index raises."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _no_device()

    def __exit__(self, *exc_info):
        return None
