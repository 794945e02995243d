"""``Flatten``: merge dimensions ``start_dim`` … ``end_dim`` into one (images → vectors);
``Unflatten``: split one dimension into several (vectors → images)."""
from .module import Module


class Flatten(Module):
    """Keeps the batch dimension by default: (N, C, H, W) → (N, C·H·W)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """The inverse of ``Flatten``: split dimension ``dim`` into ``unflattened_size``
    ((N, 784) → (N, 1, 28, 28) with ``Unflatten(1, (1, 28, 28))``)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for position, size in enumerate(unflattened_size):
            if not isinstance(size, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of "
                                f"type {type(size).__name__} at pos {position}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
