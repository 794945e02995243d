"""``gradlab.nn``: layers, losses and containers for building networks, as ``torch.nn``.

- ``nn.functional`` (``F``): the operations themselves (``F.linear``, ``F.conv2d``,
  ``F.cross_entropy``, ...), each one ``grad_fn`` node;
- ``nn.Module`` and the layers built on it (``nn.Linear``, ``nn.Conv2d``,
  ``nn.ReLU``, ``nn.Sequential``, ``nn.CrossEntropyLoss``, ...), which hold
  ``nn.Parameter`` weights and call ``F``;
- ``nn.init``: the starting values of the weights.
"""
from . import functional, init, utils
from .modules import (
    GELU, AvgPool2d, BCELoss, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout, Flatten,
    Identity, L1Loss, LeakyReLU, Linear, LogSoftmax, MaxPool2d, Module, ModuleList, MSELoss,
    NLLLoss, ReLU, Sequential, Sigmoid, Softmax, Tanh,
)
from .modules import BatchNorm1d, BatchNorm2d, Embedding, GroupNorm, LayerNorm
from .modules import (
    CELU, ELU, SELU, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
    CosineSimilarity, Dropout1d, Dropout2d, Hardtanh, HuberLoss, KLDivLoss, LogSigmoid, Mish,
    ModuleDict, PairwiseDistance, ParameterDict, ParameterList, PReLU, ReLU6, SiLU, SmoothL1Loss,
    Softmin, Softplus, Threshold, Unflatten,
)

from .modules import LazyLinear
from .parameter import Parameter, UninitializedParameter
