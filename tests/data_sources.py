"""Where the tests find full MNIST, decided once, when the tests are collected.

Read at import time on purpose: fixtures that simulate a fresh machine delete MNIST_DIR
for a while, and a value read lazily inside one of them would be lost for the session.

- `MNIST_DIR`, when set, names the folder;
- else the development copy beside the checkout (`../shared/data/mnist`), when present;
- `MLP_LAB_TEST_OFFLINE=1` pretends neither exists: every test then runs as on a fresh
  clone with no network (full-MNIST tests skip, the browser tests use the offline sample).
  CI runs the suite once this way too.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlp_core.mnist import FILES

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
OFFLINE = os.environ.get("MLP_LAB_TEST_OFFLINE", "") == "1"


def _folder() -> tuple[Path | None, str]:
    """The full-MNIST folder and, when there is none, why."""
    if OFFLINE:
        return None, "MLP_LAB_TEST_OFFLINE=1: running as on a fresh clone without MNIST"
    env = os.environ.get("MNIST_DIR")
    folder = Path(env) if env else SHARED_MNIST
    missing = [name for name in FILES.values() if not (folder / name).is_file()]
    if missing:
        return None, (
            f"full MNIST not found at {folder} (missing {', '.join(missing)}): set MNIST_DIR"
        )
    return folder, ""


FULL_MNIST, WHY_NO_MNIST = _folder()
"""The folder with the four official gz files, or None and the reason."""
