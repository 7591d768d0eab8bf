"""Command line: `python -m mlp_lab <command>`; `--json` prints one JSON object per line.

Bad arguments or files print a one-line error on stderr and exit with status 2 (usage)
or 1 (a file or data problem), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from mlp_core.config import scaling_of
from mlp_core.data import prepare, scale_pixels
from mlp_core.gradcheck import check_all
from mlp_core.idx import DataError
from mlp_core.mnist import load_mnist
from mlp_core.moons import HIDDEN_MAX, PASSES_MAX, make_moons_np, train_moons
from mlp_core.serialize import ModelFileError, load_model
from mlp_core.toys import EPOCHS_MAX, LR_MAX, backprop_toy, check_toy_args, lr_toy
from mlp_lab.bench import run_bench
from mlp_lab.bench_runners import CASES, RUNNERS, BenchOptions
from mlp_lab.output import CliError, Subparsers, emit, number
from mlp_lab.train_command import add_train


# -- the textbook toys ----------------------------------------------------------------
def _add_toys(sub: Subparsers) -> None:

    lr = number(float, f"a number above 0 and at most {LR_MAX:g}")
    epochs = number(int, f"a whole number between 1 and {EPOCHS_MAX:,}")
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
    hidden = number(int, f"a whole number between 1 and {HIDDEN_MAX:,}")
    p.add_argument("--hidden", type=hidden, default=3, help=f"1 to {HIDDEN_MAX:,}")
    passes = number(int, f"a whole number between 1 and {PASSES_MAX:,}")
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
        emit(
            args,
            {"epoch": i + 1, "w": run.w[i], "b": run.b[i], "loss": run.loss[i]},
            f"epoch {i + 1:5d}  w {run.w[i]:.6g}  b {run.b[i]:.6g}  loss {run.loss[i]:.6g}",
        )


def cmd_backprop_toy(args: argparse.Namespace) -> None:

    check_toy_args(args.lr, args.epochs, least=1)
    run = backprop_toy(args.epochs, args.lr, args.gradient)
    for i, loss in enumerate(run.loss):
        emit(args, {"epoch": i + 1, "loss": loss}, f"epoch {i + 1:4d}  loss {loss:.6f}")
    final = {"final": True, "prediction": run.prediction, **run.params}
    emit(
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
    emit(
        args,
        record,
        f"hidden {args.hidden}: train accuracy {run.accuracy:.1%}, loss {loss:.4f}",
    )


# -- gradcheck and predict ------------------------------------------------------------
def cmd_gradcheck(args: argparse.Namespace) -> None:

    worst = 0.0
    for g in check_all():
        worst = max(worst, g.max_rel_error)
        emit(
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
        emit(
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
            emit(args, {"data_source": data.source, **record}, text)


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
    add_train(sub)
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
