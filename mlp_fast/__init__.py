"""The fast back-end: mlp_core's training step, computed faster on two cores.

Not part of what students read: mlp_core's `train_batch` is the step, and nothing in
mlp_core imports this package. A back-end gets the model, its optimizer, the training
data and the minibatches (`mlp_core.training.Minibatches`), never the trainer, and
returns after calling `after_batch` once per minibatch.

- backend.py: `choose()`, `FastBackend` and `OneThread`, which decide who trains;
- pool.py: the worker processes that train a class's runs in turns;
- split_process.py (with split_block.py, split_protocol.py and layers.py): one run's
  first layer split with a helper process;
- shared_data.py: the training data, one read-only copy per server in shared memory;
- processes.py, threads.py: child processes and BLAS threads.
"""

from mlp_fast.backend import (
    ACTIVE_WINDOW,
    CLASS,
    ENV,
    EXACT,
    MIN_FLOPS,
    PLAIN,
    POOL,
    SPLIT,
    FastBackend,
    OneThread,
    active_runs,
    choose,
    worth_splitting,
)

__all__ = [
    "ACTIVE_WINDOW",
    "CLASS",
    "ENV",
    "EXACT",
    "MIN_FLOPS",
    "PLAIN",
    "POOL",
    "SPLIT",
    "FastBackend",
    "OneThread",
    "active_runs",
    "choose",
    "worth_splitting",
]
