"""One settings schema for every settings type: training, the Playground, a challenge.

A settings type is a frozen dataclass that inherits `Settings` and declares each field
with `setting(...)`: its default, URL key, limits or choices, and label. The field's
type is its default's: int, float, str, bool, or tuple (several values, written
"8,8,8" in a URL: whole numbers between the limits, or names from the choices).

One set of functions serves them all: `check` validates a value, `parse` reads one from
URL text and `format` writes it back, `read_query` turns a URL query into settings (a
bad value falls back, with one line saying what was wrong and what is allowed) and
`to_query` writes only what differs from the defaults. Like TensorFlow Playground's
`state.ts`, the table drives the URL, the defaults and the controls; weights never go
in a URL, they are rebuilt from the settings and their seed.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

S = TypeVar("S", bound="Settings")


@dataclass(frozen=True)
class Field:
    """One row of a schema: URL key, type, limits or choices, label and help.

    `name` and `default` are filled in from the dataclass field (see `schema`). For a
    tuple, `low`/`high` bound each number, `least`/`most` the count of values, and
    `count_label` names that count in messages ("hidden layers")."""

    key: str
    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    label: str = ""
    help: str = ""
    least: int = 0
    most: int | None = None
    count_label: str = "values"
    name: str = ""
    default: Any = None


def setting(
    default: Any,
    key: str,
    low: float | None = None,
    high: float | None = None,
    **row: Any,
) -> Any:
    """A dataclass field with its schema row: `hidden: int = setting(100, "hidden", 1, 4096,
    label="hidden units per layer")`. Other `Field` attributes go by keyword."""
    field = Field(key, type(default), low, high, default=default, **row)
    return dataclasses.field(default=default, metadata={"setting": field})


@functools.cache
def schema(cls: type) -> dict[str, Field]:
    """name -> Field for a settings dataclass, in declaration order."""
    return {
        f.name: dataclasses.replace(f.metadata["setting"], name=f.name)
        for f in dataclasses.fields(cls)
    }


# -- one value ------------------------------------------------------------------------


def check(field: Field, value: Any) -> None:
    """Raise ValueError, in one line naming the field and what it allows, unless `value`
    fits `field` (a tuple value element by element, then its length)."""
    if field.kind is not tuple:
        _check_one(field, value)
        return
    if not isinstance(value, tuple):
        raise ValueError(f"{_who(field)} must be a list of values, got {value!r}")
    if field.choices is not None:
        if (
            any(v not in field.choices for v in value)
            or len(set(value)) != len(value)
            or not (field.least <= len(value) <= (field.most or len(field.choices)))
        ):
            raise ValueError(f"{_names(field)}; got {', '.join(map(str, value)) or 'none'}")
        return
    for v in value:
        _check_one(field, v)
    if len(value) < field.least or (field.most is not None and len(value) > field.most):
        raise ValueError(f"{_count(field)}; got {len(value)}")


def _check_one(field: Field, value: Any) -> None:
    kind = str if field.choices is not None else field.kind
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{_who(field)} must be true or false, got {value!r}")
    elif kind is str:
        if value not in field.choices:
            raise ValueError(
                f"{_who(field)} must be one of {', '.join(field.choices)}; got {value!r}"
            )
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{_who(field)} must be a number, got {value!r}")
    elif not field.low <= value <= field.high:  # NaN fails every comparison, so lands here
        raise ValueError(
            f"{_who(field)} must be between {format(field.low)} "
            f"and {format(field.high)}; got {format(value)}"
        )
    elif field.kind in (int, tuple) and int(value) != value:
        raise ValueError(f"{_who(field)} must be a whole number, got {value!r}")


def allowed(field: Field) -> str:
    """What a value of this field may be, in words, for a message about a link."""
    if field.kind is tuple:
        return (
            _names(field) if field.choices is not None else f"{_count(field)}, each {_range(field)}"
        )
    if field.choices is not None:
        return f"{field.label} must be one of {', '.join(field.choices)}"
    if field.kind is bool:
        return f"{field.label} must be 1 or 0"
    return f"{field.label} must be {_range(field)}"


def _who(field: Field) -> str:
    return field.name if field.label in ("", field.name) else f"{field.name} ({field.label})"


def _range(field: Field) -> str:
    kind = "a number" if field.kind is float else "a whole number"
    return f"{kind} from {format(field.low)} to {format(field.high)}"


def _names(field: Field) -> str:
    some = "any" if field.least == 0 else "one or more"
    return f"{field.label} must be {some} of {', '.join(field.choices)}, each once"


def _count(field: Field) -> str:
    if field.most is None:
        return f"{field.label}: at least {field.least} {field.count_label}"
    return f"{field.label}: from {field.least} to {field.most} {field.count_label}"


def parse(field: Field, raw: str) -> Any:
    """A value of `field` from URL text; ValueError if it is not one (limits unchecked)."""
    if field.kind is tuple:
        parts = [p.strip() for p in raw.split(",")]
        parts = [p for p in parts if p and p != "0"]  # "0" or "": no values
        if field.choices is not None:
            return tuple(parts)
        return tuple(_parse_one(int, p) for p in parts)
    return _parse_one(field.kind, raw)


def _parse_one(kind: type, raw: str) -> Any:
    if kind is bool:
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError(raw)
    if kind is int:
        return int(float(raw)) if float(raw).is_integer() else int(raw)
    if kind is float:
        return float(raw)
    return raw


def format(value: Any) -> str:  # noqa: A001 - the schema's formatter, read with parse
    """URL text for a value: short, but never at the cost of changing the value."""
    if isinstance(value, tuple):
        return ",".join(map(format, value)) or "0"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


# -- whole settings -------------------------------------------------------------------


class Settings:
    """Base of a frozen settings dataclass whose fields are declared with `setting`:
    validation on construction, `replace`, and the URL round-trip."""

    def __post_init__(self) -> None:
        for name, field in schema(type(self)).items():
            value = getattr(self, name)
            if isinstance(value, np.generic):  # widgets and arrays hand over NumPy scalars
                object.__setattr__(self, name, value.item())
            elif isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
            check(field, getattr(self, name))
        self.check_together()

    def check_together(self) -> None:
        """Rules across fields (each field alone is already valid); raise ValueError."""

    def replace(self: S, **changes: Any) -> S:
        return dataclasses.replace(self, **changes)

    def to_query(self) -> dict[str, str]:
        return to_query(self)

    @classmethod
    def read_query(
        cls: type[S], query: dict[str, Any], base: S | None = None
    ) -> tuple[S, list[str]]:
        return read_query(cls, query, base)

    @classmethod
    def from_query(cls: type[S], query: dict[str, Any], base: S | None = None) -> S:
        """Read URL parameters; a bad value falls back to `base` (default settings)."""
        return read_query(cls, query, base)[0]


def to_query(settings: Settings) -> dict[str, str]:
    """Only the fields that differ from the defaults, as short URL keys."""
    default = type(settings)()
    return {
        field.key: format(getattr(settings, name))
        for name, field in schema(type(settings)).items()
        if getattr(settings, name) != getattr(default, name)
    }


def read_query(cls: type[S], query: dict[str, Any], base: S | None = None) -> tuple[S, list[str]]:
    """URL parameters -> the settings, and one line per value that could not be used (the
    key and value, why not, and the value used instead, from `base` or the defaults).
    Unknown keys are left alone: other pages and Streamlit keep theirs in the same URL;
    a key given twice counts with its last value."""
    config, problems = base or cls(), []
    for name, field in schema(cls).items():
        raw = query.get(field.key)
        if isinstance(raw, list):
            raw = raw[-1] if raw else None
        if raw is None:
            continue
        try:
            config = config.replace(**{name: parse(field, str(raw))})
        except ValueError as exc:
            why = str(exc) if _fits_alone(field, str(raw)) else allowed(field)
            problems.append(f"{field.key}={raw}: {why}; using {format(getattr(config, name))}")
    return config, problems


def _fits_alone(field: Field, raw: str) -> bool:
    """Whether URL text is fine for its field alone (then the settings together fail)."""
    try:
        check(field, parse(field, raw))
    except ValueError:
        return False
    return True
