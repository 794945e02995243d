"""Devices.  gradlab computes on the CPU only.

``torch.device('cuda')`` can still be *named* (code often builds one before
checking ``torch.cuda.is_available()``), but putting a tensor there gets a
sentence saying why, instead of a crash deep inside."""

# the device types PyTorch knows; any other name is a typo
_KNOWN_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)


class DeviceUnavailableError(RuntimeError, AssertionError):
    """A tensor was asked to live on a device other than the CPU.

    PyTorch built without CUDA raises an AssertionError here; this error is
    also a RuntimeError, so either ``except`` clause catches it."""


class device:
    """``device('cpu')``; prints as PyTorch does: ``device(type='cpu')``."""

    __module__ = "gradlab"  # <class 'gradlab.device'>, as torch.device

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if isinstance(type, int) and not isinstance(type, bool):
            raise DeviceUnavailableError(
                f"Cannot access accelerator device when none is available (device={type}); "
                "gradlab runs on the CPU only: use device='cpu'"
            )
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        name = type
        if not name:
            raise RuntimeError("Device string must not be empty")
        if ":" in name:
            name, _, number = name.partition(":")
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        if name not in _KNOWN_TYPES:
            known = ", ".join(_KNOWN_TYPES)
            raise RuntimeError(
                f"Expected one of {known} device type at start of device string: {type}"
            )
        self.type = name
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        check_device(self)  # ``with torch.device('cpu'):`` is fine; any other device is not
        return self

    def __exit__(self, *exc_info):
        return False

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def check_device(value):
    """Validate a ``device=`` argument (None, a string or a device): the CPU or an error."""
    if value is None or value is CPU:
        return CPU
    requested = device(value)
    if requested.type != "cpu":
        raise DeviceUnavailableError(
            f"gradlab runs on the CPU only, so device '{requested}' is not available; "
            "use device='cpu' or leave the device out (torch.cuda.is_available() is False "
            "in gradlab)"
        )
    return CPU
