"""The class an attacker finds: a teacher's class and challenge, Ada (a student with a
saved run and an entry on the board), and Eve, the attacker, who joined the class too
and teaches a club of her own (so she holds a real teacher key, of another class).

Every attack gets a fresh `Lab` on the store it is given (SQLite or PostgreSQL); only
the store's public API makes it, as the pages would.
"""

from __future__ import annotations

from dataclasses import dataclass

import mlp_store as ms
from mlp_class.api import ClassStore, NewEntry
from mlp_core.challenge import Rules
from tests.store.helpers import record

RULES = Rules(max_hidden=50, max_layers=1, max_epochs=2, fixed={"seed": 1})
"""The challenge's rules: at most 50 units, one hidden layer, 2 epochs, the seed fixed."""


@dataclass(frozen=True)
class Student:
    secret: str  # what the browser's cookie `mlp_lab_key` holds
    who: ms.Identity


@dataclass(frozen=True)
class Lab:
    url: str
    store: ms.Store
    classes: ClassStore
    code: str  # the class's code (written on the board: not a secret)
    key: str  # its teacher key (a secret of the teacher's browser)
    challenge: int
    ada: Student
    ada_run: int  # Ada's saved run's id
    ada_entry: int  # Ada's submission's id
    eve: Student
    club: str  # the code of Eve's own class
    club_key: str
    club_challenge: int

    def student(self) -> Student:
        """One more browser: a fresh secret and its identity."""
        secret = ms.new_secret()
        return Student(secret, ms.identity_for(self.store, secret, create=True))

    def board_names(self) -> list[str]:
        return [e.name for e in self.classes.entries(self.code, self.challenge) if not e.removed]


def entry(tag: str, score: float = 0.9) -> NewEntry:
    """A board entry as the server makes it (mlp_class.scoring), with its own model bytes."""
    return NewEntry(f"model {tag}".encode(), score, 1000, 1.0, 2, {"hidden": 20}, {"epochs": []})


def new_lab(url: str) -> Lab:
    store = ms.open_store(url)
    classes = ClassStore(store)
    teacher = ms.identity_for(store, ms.new_secret(), create=True)
    code, key = classes.create_class("Period 3", teacher)
    challenge = classes.add_challenge(code, key, "50 units, 2 epochs", RULES)
    ada_secret, eve_secret = ms.new_secret(), ms.new_secret()
    ada = Student(ada_secret, ms.identity_for(store, ada_secret, create=True))
    eve = Student(eve_secret, ms.identity_for(store, eve_secret, create=True))
    classes.join(code, ada.who, "Ada")
    classes.join(code, eve.who, "Eve")
    ada_run = ms.save_run(store, ada.who, record(name="Ada's run")).run.id
    ada_entry = classes.submit(code, challenge, ada.who, entry("ada"))
    club, club_key = classes.create_class("Eve's club", eve.who)
    club_challenge = classes.add_challenge(club, club_key, "Eve's challenge", Rules())
    return Lab(
        url, store, classes, code, key, challenge, ada, ada_run, ada_entry, eve, club,
        club_key, club_challenge,
    )  # fmt: skip
