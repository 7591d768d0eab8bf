"""MLP Lab's engine: a from-scratch NumPy multilayer perceptron and the textbook toys.

NumPy and the standard library only, and nothing else of ours (tests/core/test_import_guard.py):
no UI code, no printing; the command line is the mlp_lab package, above it.
"""

from mlp_core.activations import ACTIVATIONS, Activation
from mlp_core.config import BOOK, DTYPE, PRESETS, SCHEMA, TrainConfig
from mlp_core.gradcheck import GradCheck, check_all, gradient_check
from mlp_core.history import EpochStats, History
from mlp_core.losses import LOSSES, Loss
from mlp_core.network import MLP, one_hot
from mlp_core.serialize import ModelFileError, SavedModel, load_model, model_to_bytes, save_model
from mlp_core.training import Trainer, fit, new_model

__all__ = [
    "ACTIVATIONS",
    "BOOK",
    "DTYPE",
    "LOSSES",
    "MLP",
    "PRESETS",
    "SCHEMA",
    "Activation",
    "EpochStats",
    "GradCheck",
    "History",
    "Loss",
    "ModelFileError",
    "SavedModel",
    "TrainConfig",
    "Trainer",
    "check_all",
    "fit",
    "gradient_check",
    "load_model",
    "model_to_bytes",
    "new_model",
    "one_hot",
    "save_model",
]
