"""`python -m mlp_lab bench`: the shape of its output, on a few random digits.

Only the format is checked: no test here times anything, and none needs MNIST,
scikit-learn or PyTorch (the digits are random, in MNIST's file format).
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from mlp_core.mnist import FILES
from mlp_lab import bench, cli

ARGS = ["bench", "--cases", "b100", "--runners", "mlp_core,mlp_core_plain,gemm", "--epochs", "2"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of MNIST-format IDX files of random digits: 5,200 training images (the
    last 5,000 validate, as in full MNIST) and 50 test images."""
    folder = tmp_path_factory.mktemp("digits")
    rng = np.random.default_rng(0)
    counts = {"train": 5200, "test": 50}
    for role, name in FILES.items():
        split, kind = role.split("_")
        n = counts[split]
        if kind == "images":
            header = struct.pack(">4I", 2051, n, 28, 28)
            body = rng.integers(0, 256, (n, 784), dtype=np.uint8).tobytes()
        else:
            header = struct.pack(">2I", 2049, n)
            body = (np.arange(n) % 10).astype(np.uint8).tobytes()
        (folder / name.removesuffix(".gz")).write_bytes(header + body)
    return folder


@pytest.fixture(autouse=True)
def no_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """No rest between epochs: nothing here is timed, only the output's shape checked."""
    monkeypatch.setattr(bench, "SETTLE", 0.0)


def run(capsys: pytest.CaptureFixture[str], digits: Path, *args: str) -> str:
    argv = [*ARGS, "--data-dir", str(digits), "--n-train", "200", *args]
    assert cli.main(argv) == 0
    return capsys.readouterr().out


def test_json_lines_machine_runners_summary(
    capsys: pytest.CaptureFixture[str], digits: Path
) -> None:
    records = [json.loads(line) for line in run(capsys, digits, "--json").splitlines()]
    machine, *runners, summary = records
    assert {"cpu", "cores", "numpy", "blas"} <= machine["machine"].keys()
    assert machine["n_train"] == 200 and machine["epochs"] == 2
    names = [r["runner"] for r in runners]
    assert names[:2] == ["mlp_core", "mlp_core_plain"]
    assert all(n.startswith("gemm") for n in names[2:])
    assert runners[0]["backend"]  # which back-end trained: the fast one says
    assert runners[1]["label"] == "mlp_core, plain step, 1 thread"
    for r in runners:
        assert r["case"] == "b100"
        assert len(r["epoch_seconds"]) == 2
        for key in ("seconds_per_epoch", "min", "max", "examples_per_second", "mlp_core_ratio"):
            assert isinstance(r[key], float) and r[key] > 0
    assert 0.0 <= runners[0]["valid_acc"] <= 1.0
    assert summary["summary"] is True and summary["case"] == "b100"
    assert set(summary["ratios"]) == {"gemm", "mlp_core_plain"}
    assert set(summary["on_target"]) == {"gemm"}
    assert set(summary["plain_ratios"]) == {"gemm", "mlp_core"}
    assert summary["on_target_plain"] == {}  # its target is PyTorch's, not run here


def test_text_table(capsys: pytest.CaptureFixture[str], digits: Path) -> None:
    out = run(capsys, digits)
    assert out.startswith("machine: ")
    assert "784-100-10 sigmoid, batch 100" in out
    assert "s/epoch" in out and "mlp_core/this" in out
    assert "mlp_core, " in out and "GEMM floor" in out
    assert "target <= 1.3x gemm:" in out
    assert "mlp_core, plain step, 1 thread" in out and "trained by: " in out


def test_unknown_case_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--cases", "b7"])
    assert exc.value.code == 2
    assert "choose from b100" in capsys.readouterr().err


def test_missing_pytorch_is_a_note_not_a_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], digits: Path
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    out = run(capsys, digits, "--runners", "mlp_core,torch,torch_loader")
    assert "note: torch skipped" in out and "note: torch_loader skipped" in out
    assert "target" not in out  # no peer was timed: no verdict
