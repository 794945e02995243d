"""``Size``: a tensor's shape, a tuple that prints as ``torch.Size([2, 3])``."""
import operator


class Size(tuple):
    """A tuple of ints; slicing it or adding a tuple to it gives a ``Size`` again."""

    __module__ = "gradlab"  # <class 'gradlab.Size'>, as torch.Size

    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for position, n in enumerate(sizes):
            if n.__class__ is not int:
                try:
                    n = operator.index(n)
                except TypeError:
                    raise TypeError(f"torch.Size() takes an iterable of 'int' (item {position} "
                                    f"is '{type(n).__name__}')") from None
                sizes = sizes[:position] + (n,) + sizes[position + 1:]
        return tuple.__new__(cls, sizes)

    def __repr__(self):
        return f"torch.Size([{', '.join(str(n) for n in self)}])"

    __str__ = __repr__

    def numel(self):
        """The number of elements a tensor of this shape has (1 for ``Size([])``)."""
        count = 1
        for n in self:
            count *= n
        return count

    def __getitem__(self, index):
        result = tuple.__getitem__(self, index)
        return Size(result) if isinstance(index, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):  # (4,) + Size([2, 3]) is a Size too
        return Size(tuple(other) + tuple(self))

    def __mul__(self, count):
        return Size(tuple.__mul__(self, count))

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))
