"""Devices.  gradlab computes on the CPU only; PyTorch code that asks for a GPU
gets a sentence saying so instead of a crash deep inside."""


class device:
    """``device('cpu')``; prints as PyTorch does: ``device(type='cpu')``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, _, number = name.partition(":")
            index = int(number)
        if name != "cpu":
            raise RuntimeError(
                f"gradlab runs on the CPU only, so device {str(type)!r} is not available; "
                "use device='cpu' or leave the device out "
                "(torch.cuda.is_available() is False in gradlab)"
            )
        self.type = "cpu"
        self.index = index

    def __repr__(self):
        if self.index is None:
            return "device(type='cpu')"
        return f"device(type='cpu', index={self.index})"

    def __str__(self):
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(value):
    """Validate a ``device=`` argument (None, a string or a device)."""
    if value is None or value is CPU:
        return CPU
    return device(value)
