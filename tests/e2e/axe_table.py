"""Print the axe-core counts that tests/e2e/test_axe_e2e.py wrote to artifacts/axe/ as
one Markdown table (per page, per mode, before and after the main action, per impact)
and the rules behind the critical and serious ones."""

from __future__ import annotations

import json
from collections import defaultdict

from tests.e2e.test_axe_e2e import IMPACTS, OUT, PAGES

ORDER = [*PAGES, "Class", "Board"]
PHASES = ("before", "empty", "after", "joined")


def main() -> None:
    rows = [json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))]
    order = {name: i for i, name in enumerate(ORDER)}
    rows.sort(key=lambda r: (order.get(r["page"], 99), r["mode"], PHASES.index(r["phase"])))
    print("| page | mode | phase | " + " | ".join(IMPACTS) + " |")
    print("|---" * (3 + len(IMPACTS)) + "|")
    rules = defaultdict(set)
    for r in rows:
        cells = [str(r["counts"][i]) for i in IMPACTS]
        print(f"| {r['page']} | {r['mode']} | {r['phase']} | " + " | ".join(cells) + " |")
        for v in r["violations"]:
            rules[(v["impact"], v["id"])].add(r["page"])
    print()
    for (impact, rule), pages in sorted(rules.items(), key=lambda x: IMPACTS.index(x[0][0])):
        print(f"- {impact} `{rule}`: {', '.join(sorted(pages, key=order.get))}")


if __name__ == "__main__":
    main()
