"""``gradlab.optim``: optimizers that update parameters from their ``.grad``, as ``torch.optim``."""
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adam", "Optimizer", "RMSprop", "SGD"]
