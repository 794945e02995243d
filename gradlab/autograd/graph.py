"""``torch.autograd.graph`` names: ``Node`` is the base class of every grad_fn."""
from .node import Node

__all__ = ["Node"]
