"""``gradlab.optim``: optimizers that update parameters from their ``.grad``, as ``torch.optim``;
``optim.lr_scheduler`` changes their learning rate as training goes on."""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
