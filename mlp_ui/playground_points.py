"""The student's own points on the Playground: a CSV file read into points, points in a
link, and the click/undo/clear edits. Pure functions: text in, points or a one-line
message naming the problem out.

A point is (x1, x2, label): x1 and x2 between -6 and 6, label 0, 1, 2 or 3.
"""

from __future__ import annotations

import csv
import io
import math

from mlp_core.playground import DOMAIN, MAX_CLASSES

Point = tuple[float, float, int]
MAX_POINTS = 1000
MAX_CSV_BYTES = 200_000
URL_POINTS = 40
"""At most this many points go in the page's link; more are kept in the session only."""
STARTER: tuple[Point, ...] = (
    (-3.0, 2.5, 0),
    (-2.0, 3.5, 0),
    (-3.5, 3.8, 0),
    (-2.6, 1.8, 0),
    (2.8, -2.2, 1),
    (3.6, -3.0, 1),
    (2.0, -3.4, 1),
    (3.0, -1.5, 1),
)
"""The own data set's first points, to be changed by clicks or replaced by a file."""


def _number(text: str, what: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"line {line}: {what} is not a number ({text.strip()!r})") from None
    if not math.isfinite(value):
        raise ValueError(f"line {line}: {what} must be a finite number, got {text.strip()!r}")
    return value


def check(x1: float, x2: float, label: float, line: int) -> Point:
    """One point, or ValueError naming what is wrong and the allowed range."""
    lo, hi = DOMAIN
    for name, v in (("x1", x1), ("x2", x2)):
        if not lo <= v <= hi:
            raise ValueError(f"line {line}: {name} = {v:g} is outside the plane ({lo:g} to {hi:g})")
    if label != int(label) or not 0 <= label < MAX_CLASSES:
        raise ValueError(f"line {line}: label {label:g} must be 0, 1, 2 or 3")
    return (round(x1, 3), round(x2, 3), int(label))


def parse_csv(data: bytes) -> list[Point]:
    """A CSV file of x1, x2, label rows (an optional header line first) -> points."""
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(f"the file has {len(data):,} bytes; at most {MAX_CSV_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("the file is not text (UTF-8): save it as CSV") from None
    rows = [
        (i, r) for i, r in enumerate(csv.reader(io.StringIO(text)), 1) if any(c.strip() for c in r)
    ]
    if rows and not _numeric(rows[0][1][0]):
        rows = rows[1:]  # a header such as x1,x2,label
    if not rows:
        raise ValueError("the file has no points: one line per point, x1,x2,label")
    if len(rows) > MAX_POINTS:
        raise ValueError(f"the file has {len(rows):,} points; at most {MAX_POINTS:,}")
    points = []
    for line, row in rows:
        if len(row) != 3:
            raise ValueError(f"line {line}: {len(row)} values; expected 3 (x1,x2,label)")
        x1, x2, label = (
            _number(t, n, line) for t, n in zip(row, ("x1", "x2", "label"), strict=True)
        )
        points.append(check(x1, x2, label, line))
    return points


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_query(points: list[Point]) -> str | None:
    """Points for a link ('x1,x2,label;...'), or None when there are too many."""
    if len(points) > URL_POINTS:
        return None
    return ";".join(f"{x1:g},{x2:g},{label}" for x1, x2, label in points)


def from_query(text: str) -> list[Point]:
    """Points from a link; ValueError naming the first bad one."""
    points = []
    for i, part in enumerate(p for p in text.split(";") if p.strip()):
        values = part.split(",")
        if len(values) != 3:
            raise ValueError(f"point {i + 1} ({part!r}) must be x1,x2,label")
        x1, x2, label = (
            _number(t, n, i + 1) for t, n in zip(values, ("x1", "x2", "label"), strict=True)
        )
        points.append(check(x1, x2, label, i + 1))
    if len(points) > MAX_POINTS:
        raise ValueError(f"{len(points)} points; at most {MAX_POINTS}")
    return [(x1, x2, label) for x1, x2, label in points]


def edit(points: list[Point], event: dict) -> list[Point]:
    """The points after one edit from the component: add (x1, x2, label) or clear. (Undo
    is the caller's: it keeps the earlier lists.)"""
    op = event.get("op")
    if op == "clear":
        return []
    if op == "add" and len(points) < MAX_POINTS:
        x1, x2, label = float(event["x1"]), float(event["x2"]), float(event["label"])
        return [*points, check(x1, x2, label, len(points) + 1)]
    return points
