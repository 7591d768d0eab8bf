"""Command line: `python -m mlp_lab <command>`; `--json` prints one JSON object per line.

Bad arguments or files print a one-line error on stderr and exit with status 2 (usage)
or 1 (a file or data problem), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from mlp_core.config import PRESETS, SCHEMA, Field, TrainConfig, scaling_of
from mlp_core.data import prepare, scale_pixels
from mlp_core.gradcheck import check_all
from mlp_core.history import Status
from mlp_core.idx import DataError
from mlp_core.mnist import load_mnist
from mlp_core.moons import HIDDEN_MAX, PASSES_MAX, make_moons_np, train_moons
from mlp_core.provenance import name_test_set
from mlp_core.serialize import ModelFileError, SavedModel, load_model, save_model
from mlp_core.toys import EPOCHS_MAX, LR_MAX, backprop_toy, check_toy_args, lr_toy
from mlp_core.training import Trainer
from mlp_fast import choose
from mlp_lab.bench import CASES, RUNNERS, BenchOptions, run_bench

Subparsers = Any
"""What `ArgumentParser.add_subparsers` returns (argparse names its class only privately)."""


class CliError(Exception):
    """A problem to report in one line (exit status 1)."""


def _emit(args: argparse.Namespace, record: dict[str, Any], text: str) -> None:
    print(json.dumps(_jsonable(record)) if args.json else text, flush=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)  # JSON has no inf/nan
    if isinstance(value, np.integer):
        return int(value)
    return value


# -- train ----------------------------------------------------------------------------
_TRAIN_FLAGS = {  # flag -> TrainConfig field
    "hidden": "hidden",
    "layers": "layers",
    "activation": "activation",
    "loss": "loss",
    "lr": "lr",
    "l2": "l2",
    "momentum": "momentum",
    "epochs": "epochs",
    "batch": "batch_size",
    "seed": "seed",
    "n_train": "n_train",
    "init": "init",
    "reduction": "reduction",
    "scaling": "scaling",
    "dtype": "dtype",
    "patience": "patience",
}


def _add_train(sub: Subparsers) -> None:
    p = sub.add_parser("train", help="train on MNIST, one line per epoch")
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="default",
        help="start from these settings (book = the textbook's run)",
    )
    for flag, name in _TRAIN_FLAGS.items():
        field = SCHEMA[name]
        p.add_argument(
            f"--{flag.replace('_', '-')}",
            dest=flag,
            type=_schema_type(field),
            choices=field.choices,
            default=None,
            help=field.label,
        )
    p.add_argument(
        "--exact-eval",
        action="store_true",
        default=None,
        help="loss and train accuracy over the whole training set each epoch",
    )
    p.add_argument("--data-dir", help="folder with the four MNIST IDX files (else MNIST_DIR)")
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    p.add_argument(
        "--train-from",
        type=int,
        default=0,
        metavar="N",
        help="skip the training images before image N (5848 keeps the offline sample unseen)",
    )
    p.add_argument("--out", help="save the trained model to this .npz file")
    p.set_defaults(func=cmd_train)


def _schema_type(field: Field) -> Callable[[str], Any]:
    """An argparse type for one TrainConfig field (the range is checked by TrainConfig)."""
    if field.kind not in (int, float):
        return str
    whole = "a whole number" if field.kind is int else "a number"
    return _number(field.kind, f"{whole} between {_num(field.low)} and {_num(field.high)}")


def _number(kind: type, allowed: str) -> Callable[[str], int | float]:
    """An argparse type for a number; text that is none says what is allowed."""

    def parse(text: str) -> int | float:
        try:
            value = float(text)  # "1e3" is a whole number too
            return int(value) if kind is int and value.is_integer() else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}; got {text!r}") from None

    return parse


def _num(value: float) -> str:
    """A limit for a message: 60000 and 1e-07, not 60000.0 and 1e-07."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _train_config(args: argparse.Namespace) -> TrainConfig:
    changes = {
        name: getattr(args, flag)
        for flag, name in _TRAIN_FLAGS.items()
        if getattr(args, flag) is not None
    }
    if args.exact_eval:
        changes["exact_eval"] = True
    try:
        return PRESETS[args.preset].replace(**changes)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_train(args: argparse.Namespace) -> None:

    config = _train_config(args)
    if args.out:
        check_out(Path(args.out))
    try:
        mnist = load_mnist(args.data_dir, download=not args.no_download)
    except DataError as exc:
        raise CliError(str(exc)) from None
    try:
        data = prepare(
            mnist, scaling=config.scaling, dtype=config.np_dtype, train_from=args.train_from
        )
    except (DataError, ValueError) as exc:
        raise CliError(f"--train-from: {exc}") from None
    config = config.replace(n_train=min(config.n_train, len(data.y_train)))
    trainer = Trainer(config, data, backend=choose())  # MLP_LAB_FAST=0: the plain step
    start = time.perf_counter()
    while (stats := trainer.train_epoch()) is not None:
        _emit_epoch(args, stats)
    seconds = time.perf_counter() - start
    test_acc = trainer.accuracy(data.X_test, data.y_test)
    history = trainer.history
    if history.status in (Status.DIVERGED, Status.EARLY_STOPPED):
        print(history.message, file=sys.stderr)
    final = {
        "final": True,
        "test_acc": test_acc,
        "valid_acc": history.epochs[-1].valid_acc if history.epochs else None,
        "epochs": trainer.epoch,
        "seconds": seconds,
        "data_source": data.source,
        "test_on": name_test_set(data.kind, len(data.y_test)),
        "status": history.status.value,
        "backend": trainer.backend_used,
    }
    failed = None
    if args.out:
        path, failed = _save(args.out, trainer, config, data, test_acc, seconds)
        final["model"] = str(path)
    _emit(
        args,
        final,
        f"test accuracy {test_acc:.2%} on {final['test_on']} after {trainer.epoch} "
        f"epochs ({seconds:.1f} s); data: {data.source}\ntrained by: {trainer.backend_used}",
    )
    if failed:
        raise CliError(f"{failed}; the model was saved to {final['model']} instead")


def _emit_epoch(args: argparse.Namespace, stats) -> None:
    _emit(
        args,
        {
            "epoch": stats.epoch,
            "loss": stats.loss,
            "train_acc": stats.train_acc,
            "valid_acc": stats.valid_acc,
            "seconds": stats.seconds,
        },
        f"epoch {stats.epoch:4d}  loss {stats.loss:.4f}  train {stats.train_acc:.2%}"
        f"  valid {stats.valid_acc:.2%}  {stats.seconds:.2f} s",
    )


def check_out(out: Path) -> None:
    """Fail before training, not after: the folder exists and takes a file of that name."""
    if out.suffix != ".npz":
        raise CliError(f"--out {out}: the model file name must end in .npz")
    folder = out.parent
    try:
        if out.is_dir():
            raise CliError(f"--out {out}: that is a folder; give a file name ending in .npz")
        if folder.exists() and not folder.is_dir():
            raise CliError(f"--out {out}: {folder} is a file, not a folder")
        if not folder.is_dir():
            raise CliError(f"--out {out}: the folder {folder} does not exist; create it first")
        _try_write(out)
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


def _try_write(out: Path) -> None:
    """Write as the save will (permissions, read-only disks, names too long), then undo."""
    if out.exists():  # keep it until the new model replaces it; the save writes beside it
        with tempfile.NamedTemporaryFile(dir=out.parent, suffix=".tmp"):
            return
    out.open("xb").close()
    out.unlink()


def save_or_fallback(out: str, saved) -> tuple[Path, str | None]:
    """Save to `out`; if that fails, to the current folder or the temporary folder.

    Returns the path written and, when it is not `out`, why `out` failed. Raises
    CliError only when no place at all takes the file.
    """

    try:
        return save_model(out, saved), None
    except OSError as exc:
        reason = f"cannot write {out} ({exc.strerror or exc})"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        try:
            return save_model(folder / f"mlp-model-{stamp}.npz", saved), reason
        except OSError:
            continue
    raise CliError(f"{reason}, nor in {Path.cwd()} or {tempfile.gettempdir()}")


def _save(out: str, trainer, config: TrainConfig, data, test_acc: float, seconds: float):

    valid = trainer.history.epochs[-1].valid_acc if trainer.history.epochs else None
    meta = {
        "data_source": data.source,
        "data_kind": data.kind,
        "trained_on": data.trained_on(config.n_train).to_dict(),
        "test_acc": test_acc,
        "test_on": name_test_set(data.kind, len(data.y_test)),
        "valid_acc": valid,
        "epochs": trainer.epoch,
        "train_seconds": seconds,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m mlp_lab " + " ".join(sys.argv[1:]),
        "history": trainer.history.to_dict(),
    }
    return save_or_fallback(out, SavedModel(trainer.model, config, meta))


# -- the textbook toys ----------------------------------------------------------------
def _add_toys(sub: Subparsers) -> None:

    lr = _number(float, f"a number above 0 and at most {LR_MAX:g}")
    epochs = _number(int, f"a whole number between 1 and {EPOCHS_MAX:,}")
    p = sub.add_parser(
        "lr-toy", help="the 1-D learning-rate toy (Modern Computer Vision with PyTorch, ch. 1)"
    )
    p.add_argument("--lr", type=lr, default=0.1, help=f"above 0, at most {LR_MAX:g}")
    p.add_argument("--epochs", type=epochs, default=1000, help=f"1 to {EPOCHS_MAX:,}")
    p.add_argument("--gradient", choices=("forward", "exact"), default="forward")
    p.set_defaults(func=cmd_lr_toy)
    p = sub.add_parser("backprop-toy", help="the 2-3-1 backprop toy (the same chapter)")
    p.add_argument("--epochs", type=epochs, default=100, help=f"1 to {EPOCHS_MAX:,}")
    p.add_argument("--lr", type=lr, default=0.01, help=f"above 0, at most {LR_MAX:g}")
    p.add_argument("--gradient", choices=("forward", "chain"), default="forward")
    p.set_defaults(func=cmd_backprop_toy)
    p = sub.add_parser("moons", help="the moons toy: one tanh hidden layer (WildML)")
    hidden = _number(int, f"a whole number between 1 and {HIDDEN_MAX:,}")
    p.add_argument("--hidden", type=hidden, default=3, help=f"1 to {HIDDEN_MAX:,}")
    passes = _number(int, f"a whole number between 1 and {PASSES_MAX:,}")
    p.add_argument("--passes", type=passes, default=20000, help=f"1 to {PASSES_MAX:,}")
    p.set_defaults(func=cmd_moons)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_lr_toy(args: argparse.Namespace) -> None:

    check_toy_args(args.lr, args.epochs, least=1)
    run = lr_toy(args.lr, args.epochs, args.gradient)
    for i in range(len(run.loss)):
        _emit(
            args,
            {"epoch": i + 1, "w": run.w[i], "b": run.b[i], "loss": run.loss[i]},
            f"epoch {i + 1:5d}  w {run.w[i]:.6g}  b {run.b[i]:.6g}  loss {run.loss[i]:.6g}",
        )


def cmd_backprop_toy(args: argparse.Namespace) -> None:

    check_toy_args(args.lr, args.epochs, least=1)
    run = backprop_toy(args.epochs, args.lr, args.gradient)
    for i, loss in enumerate(run.loss):
        _emit(args, {"epoch": i + 1, "loss": loss}, f"epoch {i + 1:4d}  loss {loss:.6f}")
    final = {"final": True, "prediction": run.prediction, **run.params}
    _emit(
        args,
        final,
        f"prediction {run.prediction:.4f}\n"
        + "\n".join(
            f"{k} = {np.array2string(np.asarray(v), precision=6)}" for k, v in run.params.items()
        ),
    )


def cmd_moons(args: argparse.Namespace) -> None:

    X, y = make_moons_np()
    run = train_moons(X, y, args.hidden, passes=args.passes)
    loss = float(run.loss[-1])  # after the last pass
    record = {"hidden": args.hidden, "train_acc": run.accuracy, "loss": loss}
    _emit(
        args,
        record,
        f"hidden {args.hidden}: train accuracy {run.accuracy:.1%}, loss {loss:.4f}",
    )


# -- gradcheck and predict ------------------------------------------------------------
def cmd_gradcheck(args: argparse.Namespace) -> None:

    worst = 0.0
    for g in check_all():
        worst = max(worst, g.max_rel_error)
        _emit(
            args,
            {"activation": g.activation, "loss": g.loss, "max_rel_error": g.max_rel_error},
            f"{g.activation:8s} {g.loss:13s} max relative error {g.max_rel_error:.2e}",
        )
    if worst >= 1e-6:
        raise CliError(f"gradient check failed: max relative error {worst:.2e} >= 1e-6")


def cmd_predict(args: argparse.Namespace) -> None:

    saved = _digit_model(args.model)
    scaling = scaling_of(saved.config)
    read = _image_reader()
    for name in args.images:
        pixels = read(Path(name))
        proba = saved.model.predict_proba(
            scale_pixels(pixels.reshape(1, -1), scaling, saved.model.dtype)
        )[0]
        _emit(
            args,
            {"file": name, "prediction": int(proba.argmax()), "probabilities": proba},
            f"{name}: {int(proba.argmax())} ({proba.max():.1%})",
        )


DIGIT_SIZES = (28 * 28, 10)
"""What predict needs of a model: 784 inputs (28x28 pixels) and 10 outputs (the digits)."""


def _digit_model(path: str):
    """Load a model file and check it reads 28x28 digits; one-line errors naming the file."""

    try:
        saved = load_model(path)
    except ModelFileError as exc:
        message = str(exc)
        raise CliError(message if path in message else f"{path}: {message}") from None
    sizes = saved.model.sizes
    if (sizes[0], sizes[-1]) != DIGIT_SIZES:
        raise CliError(
            f"{path}: the model takes {sizes[0]} inputs and gives {sizes[-1]} outputs; "
            f"predict needs {DIGIT_SIZES[0]} inputs (28x28 pixels) and {DIGIT_SIZES[1]} "
            "outputs (digits 0-9): it is not an MNIST digit model"
        )
    return saved


def _image_reader() -> Callable[[Path], np.ndarray]:
    """Image file -> MNIST-like 28x28 grey levels 0..255 (mlp_digits, which needs Pillow)."""
    try:
        from mlp_digits import mnist_like, read_image
    except ImportError as exc:
        raise CliError(f"predict needs Pillow and the mlp_digits package ({exc})") from None

    def read(path: Path) -> np.ndarray:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
        digit = mnist_like(read_image(data, str(path)))
        if digit is None:
            raise CliError(f"{path}: no digit found, the picture is blank")
        return digit.image

    return read


def _add_misc(sub: Subparsers) -> None:
    p = sub.add_parser("gradcheck", help="backprop against central differences")
    p.set_defaults(func=cmd_gradcheck)
    p = sub.add_parser("predict", help="classify image files with a saved model")
    p.add_argument("--model", required=True, help="a .npz model file")
    p.add_argument("images", nargs="+", help="PNG or JPEG files of single digits")
    p.set_defaults(func=cmd_predict)


# -- bench ----------------------------------------------------------------------------
def _add_bench(sub: Subparsers) -> None:

    p = sub.add_parser("bench", help="training speed against scikit-learn, PyTorch, GEMM")
    p.add_argument("--cases", type=_names(CASES), help=f"{', '.join(CASES)} (default all)")
    p.add_argument("--runners", type=_names(RUNNERS), default=RUNNERS, help=", ".join(RUNNERS))
    p.add_argument("--epochs", type=_positive_int, default=None, help="per runner (default 6)")
    p.add_argument("--quick", action="store_true", help="headline case only, 4 epochs")
    p.add_argument("--n-train", type=_positive_int, default=None, help="fewer training digits")
    p.add_argument("--data-dir", help="folder with the four MNIST IDX files (else MNIST_DIR)")
    p.add_argument("--no-download", action="store_true", help="never download MNIST")
    p.set_defaults(func=cmd_bench)


def _names(allowed: Any) -> Callable[[str], tuple[str, ...]]:
    """A type for comma-separated names, each one of `allowed`."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(t.strip() for t in text.split(",") if t.strip())
        bad = [n for n in names if n not in allowed]
        if bad or not names:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}; got {text!r}")
        return names

    return parse


def cmd_bench(args: argparse.Namespace) -> None:

    cases = args.cases or (("b100",) if args.quick else tuple(CASES))
    epochs = args.epochs or (4 if args.quick else 6)
    try:
        mnist = load_mnist(args.data_dir, download=not args.no_download)
    except DataError as exc:
        raise CliError(str(exc)) from None
    data = prepare(mnist, scaling="01", n_train=args.n_train)
    for record, text in run_bench(data, BenchOptions(cases, args.runners, epochs)):
        if args.json or text:
            _emit(args, {"data_source": data.source, **record}, text)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage is one `--help` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} ({self.prog} --help lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m mlp_lab", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="one JSON object per line")
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        parser_class=lambda **kw: _Parser(parents=[common], **kw),
    )
    _add_train(sub)
    _add_toys(sub)
    _add_misc(sub)
    _add_bench(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (CliError, ValueError, OSError) as exc:  # DataError, ModelFileError are ValueErrors
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
