"""Every attack of tests/security on a throwaway SQLite store, as a markdown table.

    python -m tools.attacks                    # prints it and writes artifacts/attacks.md
    python -m tools.attacks --out -            # prints it only

The pages run on the offline 5,000-digit sample (as the AppTests do), with their own
empty data folder; nothing of this machine's saved work is touched. Exits 1 if an
attack got through (the table's `held` column says which).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "artifacts" / "attacks.md"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    """`text` as it is: in a code span, where neither markdown nor HTML takes effect
    (names like '<img src=x onerror=a()>' are the point of some attacks)."""
    return f"`` {_cell(text)} ``"


def _table(folder: Path) -> tuple[list[str], int]:
    from tests.security.attacks import all_attacks
    from tests.security.lab import new_lab

    url = f"sqlite:///{folder / 'attacks.sqlite3'}"
    rows = ["| # | attack | how | what it got | held |", "|---|---|---|---|---|"]
    breaches = 0
    for k, attack in enumerate(all_attacks(), 1):
        got = attack.act(new_lab(url))
        breaches += not got.held
        held = "yes" if got.held else f"**NO**: {_cell(attack.breach)}"
        rows.append(
            f"| {k} | {_cell(attack.name)} | {_code(attack.how)} | {_code(got.line)} | {held} |"
        )
        print(f"{k:2d} {'held' if got.held else 'BREACH'}  {attack.name}", file=sys.stderr)
    return rows, breaches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT), help="the markdown file ('-': print only)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlp_attacks_") as tmp:
        os.environ.pop("MNIST_DIR", None)
        os.environ.pop("MLP_LAB_DATABASE_URL", None)
        os.environ["MLP_LAB_DATA"] = str(Path(tmp) / "data")
        os.environ["MLP_LAB_CACHE"] = str(Path(tmp) / "cache")
        started = time.time()
        rows, breaches = _table(Path(tmp))
    head = (
        f"Attacks on a class and its saved work (`python -m tools.attacks`, SQLite, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
        f"{time.time() - started:.0f} s): {len(rows) - 2} tried, {breaches} got through. "
        "The same list runs on SQLite and PostgreSQL in tests/security/test_attacks.py."
    )
    text = "\n".join([head, "", *rows]) + "\n"
    print(text)
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
