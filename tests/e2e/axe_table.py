"""The axe-core counts that tests/e2e/test_axe_e2e.py wrote to artifacts/axe/ (one file
per case) as one table: per page, per mode (normal, projector), before and after the main
action, per impact; and the rules behind any critical or serious finding.

`write()` (called by the axe test once its cases have run) puts it in
artifacts/axe_table.json and artifacts/axe_table.md, which are committed;
`python -m tests.e2e.axe_table` prints the Markdown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.main_actions import PAGES

IMPACTS = ("critical", "serious", "moderate", "minor")
OUT = ARTIFACTS / "axe"
TABLE = ARTIFACTS / "axe_table"
ORDER = [*PAGES, "Class", "Board"]
PHASES = ("before", "empty", "after", "joined")
"""Class: before, after (a class made), joined (a student's view); Board: before (no
challenge), empty (a challenge, no entry), after (an entry)."""


def rows() -> list[dict]:
    """Every case's counts, in the app's page order, normal before projector."""
    found = [json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))]
    order = {name: i for i, name in enumerate(ORDER)}
    found.sort(key=lambda r: (order.get(r["page"], 99), r["mode"], PHASES.index(r["phase"])))
    return found


def markdown(found: list[dict]) -> str:
    lines = [
        "| page | mode | phase | " + " | ".join(IMPACTS) + " |",
        "|---" * (3 + len(IMPACTS)) + "|",
    ]
    rules = defaultdict(set)
    for r in found:
        cells = [str(r["counts"][i]) for i in IMPACTS]
        lines.append(f"| {r['page']} | {r['mode']} | {r['phase']} | " + " | ".join(cells) + " |")
        for v in r["violations"]:
            rules[(v["impact"], v["id"])].add(r["page"])
    lines.append("")
    order = {name: i for i, name in enumerate(ORDER)}
    for (impact, rule), pages in sorted(rules.items(), key=lambda x: IMPACTS.index(x[0][0])):
        lines.append(f"- {impact} `{rule}`: {', '.join(sorted(pages, key=order.get))}")
    return "\n".join(lines) + "\n"


def write() -> None:
    """artifacts/axe_table.json (rows with their counts and findings) and .md."""
    found = rows()
    if not found:
        return
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (
        "# axe-core: nodes per impact, per page, mode and phase\n\n"
        f"Written by tests/e2e/test_axe_e2e.py, {when}. Phase: before and after the page's "
        "main action (tests/e2e/main_actions.py); Class: before, after (a class made), "
        "joined (a student); Board: before (no challenge), empty (no entry), after (an "
        "entry).\n\n"
    )
    TABLE.with_suffix(".md").write_text(head + markdown(found))
    TABLE.with_suffix(".json").write_text(
        json.dumps({"written": when, "impacts": IMPACTS, "rows": found}, indent=1) + "\n"
    )


def main() -> None:
    print(markdown(rows()), end="")


if __name__ == "__main__":
    main()
