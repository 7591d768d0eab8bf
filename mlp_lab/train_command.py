"""`python -m mlp_lab train`: a TrainConfig from the flags (the settings schema's own
types and limits), training on MNIST, the model file saved (checked before training, a
fall-back place if the save fails at the end)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlp_core.config import PRESETS, SCHEMA, Field, TrainConfig
from mlp_core.data import prepare
from mlp_core.history import Status
from mlp_core.idx import DataError
from mlp_core.mnist import load_mnist
from mlp_core.provenance import name_test_set
from mlp_core.serialize import SavedModel, save_model
from mlp_core.training import Trainer
from mlp_fast import choose
from mlp_lab.output import CliError, Subparsers, emit, number

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


def add_train(sub: Subparsers) -> None:
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
    return number(field.kind, f"{whole} between {_num(field.low)} and {_num(field.high)}")


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
        _check_out(Path(args.out))
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
    emit(
        args,
        final,
        f"test accuracy {test_acc:.2%} on {final['test_on']} after {trainer.epoch} "
        f"epochs ({seconds:.1f} s); data: {data.source}\ntrained by: {trainer.backend_used}",
    )
    if failed:
        raise CliError(f"{failed}; the model was saved to {final['model']} instead")


def _emit_epoch(args: argparse.Namespace, stats) -> None:
    emit(
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


def _check_out(out: Path) -> None:
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
