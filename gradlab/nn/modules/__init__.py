"""The layers of ``gradlab.nn``, one file per kind (as in PyTorch's ``torch/nn/modules/``)."""
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, LazyLinear, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .normalization import GroupNorm, LayerNorm
from .pooling import AvgPool2d, MaxPool2d
from .sparse import Embedding
from .activation import (
    CELU, ELU, SELU, Hardtanh, LogSigmoid, Mish, PReLU, ReLU6, SiLU, Softmin, Softplus, Threshold,
)
from .container import ModuleDict, ParameterDict, ParameterList
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout1d, Dropout2d
from .flatten import Unflatten
from .loss import HuberLoss, KLDivLoss, SmoothL1Loss
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d

__all__ = [
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "Conv2d", "CrossEntropyLoss", "Dropout",
    "Flatten", "GELU", "Identity", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss",
    "MaxPool2d", "Module", "ModuleList", "NLLLoss", "ReLU", "Sequential", "Sigmoid", "Softmax",
    "Tanh", "BatchNorm1d", "BatchNorm2d", "Embedding", "GroupNorm", "LayerNorm",
    "CELU", "ELU", "SELU", "Hardtanh", "LogSigmoid", "Mish", "PReLU", "ReLU6", "SiLU", "Softmin",
    "Softplus", "Threshold", "ModuleDict", "ParameterDict", "ParameterList", "CosineSimilarity",
    "PairwiseDistance", "Dropout1d", "Dropout2d", "Unflatten", "HuberLoss", "KLDivLoss",
    "SmoothL1Loss", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "LazyLinear",
]
