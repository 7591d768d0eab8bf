"""Every attack of tests/security/attacks.py (and pages.py) held: on SQLite and PostgreSQL.

Each performs one attack on a fresh class and judges by what happened (the board, the
runs, the tables), not only by the message; the failure names what the attacker got.
"""

from __future__ import annotations

import pytest

from tests.security.attacks import all_attacks
from tests.security.lab import new_lab

ATTACKS = {a.name: a for a in all_attacks()}


def test_there_are_enough_attacks_and_each_names_its_breach():
    assert len(ATTACKS) == len(all_attacks()) >= 30
    assert all(a.how and a.breach for a in ATTACKS.values())


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_attack_is_refused_or_neutralised(name, store, store_url):
    attack = ATTACKS[name]
    got = attack.act(new_lab(store_url))
    assert got.held, f"{name}: {attack.breach}: the attacker got {got.line}"
