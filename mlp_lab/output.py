"""What every command of `python -m mlp_lab` shares: one-line errors and the output
(text, or with --json one JSON object per line)."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

Subparsers = Any
"""What `ArgumentParser.add_subparsers` returns (argparse names its class only privately)."""


class CliError(Exception):
    """A problem to report in one line (exit status 1)."""


def emit(args: argparse.Namespace, record: dict[str, Any], text: str) -> None:
    """One result: `record` as a JSON line with --json, else `text`."""
    print(json.dumps(jsonable(record)) if args.json else text, flush=True)


def jsonable(value: Any) -> Any:
    """`value` with NumPy numbers and arrays as plain ones, inf and NaN as strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)  # JSON has no inf/nan
    if isinstance(value, np.integer):
        return int(value)
    return value


def number(kind: type, allowed: str) -> Callable[[str], int | float]:
    """An argparse type for a number; text that is none says what is allowed."""

    def parse(text: str) -> int | float:
        try:
            value = float(text)  # "1e3" is a whole number too
            return int(value) if kind is int and value.is_integer() else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}; got {text!r}") from None

    return parse
