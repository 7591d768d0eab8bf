"""Every attack we tried on a class and its saved work, each a small function that really
performs it through what a browser can reach, and says what the attacker got.

What a browser can send: its identity secret (cookie `mlp_lab_key`), the teacher's code
and key (typed, or cookie `mlp_lab_teacher`), class codes, names, titles and reasons it
types, run ids and challenge ids (query string, widget values), settings (query string,
widget values, even of locked widgets) and model files it uploads. Here those values go
to the same calls the pages make with them: `mlp_class.api.ClassStore` and `mlp_store`
(this module), and the pages themselves in Streamlit's AppTest (`tests.security.pages`).

Each attack names the breach it tries for, and returns `Got`: the one line the attacker
got (the refusal, or what was stored or shown) and whether the defence held, judged by
looking at what happened (the board, the run, the tables), not only at the message.
tests/security/test_attacks.py asserts every one held, on SQLite and PostgreSQL;
`python -m tools.attacks` prints the table (artifacts/attacks.md).
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from unittest import mock

from sqlalchemy import inspect

import mlp_class.api as api
import mlp_store as ms
from mlp_store import identity as ident
from mlp_store import runs
from mlp_store.db import Base
from mlp_ui import board_table
from mlp_ui.class_text import plain as markdown_plain
from tests.security.lab import Lab, entry
from tests.store.helpers import record

REFUSALS = (api.Refused, ms.StoreError, ValueError)


@dataclass(frozen=True)
class Got:
    line: str  # what the attacker got, in one line
    held: bool  # nothing the breach names happened


@dataclass(frozen=True)
class Attack:
    name: str
    how: str  # what the attacker sends, and where
    breach: str  # what would count as a breach
    act: Callable[[Lab], Got]


STORE: list[Attack] = []


def attack(name: str, how: str, breach: str, into: list[Attack] = STORE):
    def register(act: Callable[[Lab], Got]) -> Callable[[Lab], Got]:
        into.append(Attack(name, how, breach, act))
        return act

    return register


def all_attacks() -> list[Attack]:
    from tests.security import pages

    return [*STORE, *pages.PAGE]


def refusal(call: Callable[[], object]) -> str | None:
    """The one line a refused call says; None if it went through."""
    try:
        call()
    except REFUSALS as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def refused_all(calls: dict[str, Callable[[], object]]) -> tuple[str, bool]:
    """Try each call: (what each got, whether every one was refused)."""
    said = {what: refusal(call) for what, call in calls.items()}
    lines = sorted({s for s in said.values() if s})
    through = [what for what, s in said.items() if s is None]
    line = " / ".join(lines) + (f"; WENT THROUGH: {', '.join(through)}" if through else "")
    return line, not through


def _ada_entry_intact(lab: Lab) -> bool:
    found = [e for e in lab.classes.entries(lab.code, lab.challenge) if e.id == lab.ada_entry]
    return bool(found) and found[0].removed is None and found[0].name == "Ada"


def _ada_run_intact(lab: Lab) -> bool:
    kept = ms.load_run(lab.store, lab.ada.who, lab.ada_run)
    return kept.record.name == "Ada's run" and not kept.summary.starred


def _tables_intact(lab: Lab) -> bool:
    return set(Base.metadata.tables) <= set(inspect(lab.store.engine).get_table_names())


# -- impersonation ---------------------------------------------------------------------
@attack(
    "impersonate: submit as another student",
    "Eve (her own cookie) asks to join as 'Ada', then submits; no call takes a name or member id",
    "an entry under Ada's name or member",
)
def submit_as_another(lab: Lab) -> Got:
    rejoined = lab.classes.join(lab.code, lab.eve.who, "Ada")
    sid = lab.classes.submit(lab.code, lab.challenge, lab.eve.who, entry("eve"))
    mine = {e.id: e.name for e in lab.classes.entries(lab.code, lab.challenge)}
    line = f"join as 'Ada' kept her first name {rejoined!r}; her entry is shown as {mine[sid]!r}"
    return Got(line, mine[sid] == "Eve" and lab.board_names().count("Ada") == 1)


@attack(
    "impersonate: a new browser takes a student's name",
    "a fresh browser joins as 'ada', ' ADA ', 'Ada\\u200b', fullwidth 'Ａｄａ'",
    "two members shown as Ada",
)
def name_taken(lab: Lab) -> Got:
    calls = {
        typed: (lambda t=typed: lab.classes.join(lab.code, lab.student().who, t))
        for typed in ("ada", " ADA ", "Ada\u200b", "\uff21\uff44\uff41")
    }
    line, held = refused_all(calls)
    names = [m["name"] for m in lab.classes.members(lab.code, lab.key)]
    return Got(line, held and names.count("Ada") == 1)


@attack(
    "impersonate: remove another student's entry",
    "Eve sends Ada's submission id to remove_entry with no key, a made-up key, her club's key",
    "Ada's entry removed",
)
def remove_another(lab: Lab) -> Got:
    keys = {"no key": "", "made-up key": secrets.token_urlsafe(32), "club key": lab.club_key}
    calls = {
        what: (lambda k=k: lab.classes.remove_entry(lab.code, k, lab.ada_entry, "gone"))
        for what, k in keys.items()
    }
    line, held = refused_all(calls)
    return Got(line, held and _ada_entry_intact(lab))


@attack(
    "impersonate: read another student's entries",
    "Eve asks for 'my entries' (ClassStore.mine) and for Ada's run by its id",
    "Ada's entries or run returned to Eve",
)
def read_another(lab: Lab) -> Got:
    mine = lab.classes.mine(lab.code, lab.challenge, lab.eve.who)
    line = refusal(lambda: ms.load_run(lab.store, lab.eve.who, lab.ada_run))
    return Got(f"{len(mine)} entries as hers; run: {line}", mine == [] and line is not None)


# -- another identity's run ids (saved work) --------------------------------------------
@attack(
    "another's run id: read",
    "Eve's browser asks load_run for Ada's run id",
    "Ada's weights or history given to Eve",
)
def run_read(lab: Lab) -> Got:
    line = refusal(lambda: ms.load_run(lab.store, lab.eve.who, lab.ada_run))
    return Got(str(line), line is not None and ms.runs_of(lab.store, lab.eve.who) == [])


@attack(
    "another's run id: continue (save over it)",
    "Eve saves her run with run_id = Ada's run id (what Continue's save sends)",
    "Ada's run overwritten",
)
def run_continue(lab: Lab) -> Got:
    line = refusal(lambda: ms.save_run(lab.store, lab.eve.who, record("Eve's"), lab.ada_run))
    return Got(str(line), line is not None and _ada_run_intact(lab))


@attack(
    "another's run id: delete",
    "Eve deletes Ada's run id",
    "Ada's run deleted",
)
def run_delete(lab: Lab) -> Got:
    line = refusal(lambda: ms.delete_run(lab.store, lab.eve.who, lab.ada_run))
    return Got(str(line), line is not None and _ada_run_intact(lab))


@attack(
    "another's run id: star",
    "Eve stars Ada's run id (a starred run is never let go)",
    "Ada's run starred",
)
def run_star(lab: Lab) -> Got:
    line = refusal(lambda: ms.star(lab.store, lab.eve.who, lab.ada_run))
    return Got(str(line), line is not None and _ada_run_intact(lab))


@attack(
    "another's snapshot id: delete",
    "Eve deletes Ada's Playground snapshot id",
    "Ada's snapshot deleted",
)
def snapshot_delete(lab: Lab) -> Got:
    sid = ms.save_snapshot(lab.store, lab.ada.who, "Ada's", {"epoch": 3})
    line = refusal(lambda: ms.delete_snapshot(lab.store, lab.eve.who, sid))
    kept = [s.id for s in ms.snapshots_of(lab.store, lab.ada.who)]
    return Got(str(line), line is not None and kept == [sid])


# -- forged or replayed identities ---------------------------------------------------
@attack(
    "forged secret: random",
    "a cookie of 43 random URL-safe characters (well-formed, made up)",
    "the forged cookie opens someone's work",
)
def secret_random(lab: Lab) -> Got:
    forged = ms.identity_for(lab.store, secrets.token_urlsafe(32), create=True)
    found = ms.runs_of(lab.store, forged)
    line = f"a new, empty identity ({len(found)} runs)"
    return Got(line, forged not in (lab.ada.who, lab.eve.who) and found == [])


@attack(
    "forged secret: wrong length or alphabet",
    "cookies of '', 42, 44 and 4,000 characters, 'é'*43, SQL",
    "any of them accepted as an identity",
)
def secret_malformed(lab: Lab) -> Got:
    cookies = ["", "A" * 42, "A" * 44, "A" * 4000, "é" * 43, "' OR 1=1 --" + "a" * 32]
    calls = {c[:12]: (lambda c=c: ms.identity_for(lab.store, c, create=True)) for c in cookies}
    return Got(*refused_all(calls))


@attack(
    "forged secret: another's hash",
    "the SHA-256 the server keeps of Ada's key (as if the database leaked), whole and cut to 43",
    "the hash opens Ada's work",
)
def secret_hash(lab: Lab) -> Got:
    digest = ident.key_hash(lab.ada.secret)
    whole = refusal(lambda: ms.identity_for(lab.store, digest))
    cut = ms.identity_for(lab.store, digest[:43])
    line = f"whole: {whole}; cut to 43: {'nobody' if cut is None else cut}"
    return Got(line, whole is not None and cut is None)


@attack(
    "replayed secret after Forget me",
    "Ada presses Forget me; her old cookie is sent again",
    "the old cookie reaches her old work",
)
def secret_forgotten(lab: Lab) -> Got:
    ms.forget(lab.store, lab.ada.who)
    again = ms.identity_for(lab.store, lab.ada.secret)
    line = f"the old cookie finds {again or 'nobody'}; the board keeps {lab.board_names()}"
    return Got(line, again is None and "Ada" not in lab.board_names())


@attack(
    "replayed transfer code: used twice",
    "Ada's one-time code typed in Eve's browser after Ada's other device used it",
    "a second browser becomes Ada",
)
def code_twice(lab: Lab) -> Got:
    code = ms.transfer_code(lab.store, lab.ada.who)
    ms.redeem(lab.store, code, lab.student().who)
    line = refusal(lambda: ms.redeem(lab.store, code, lab.eve.who))
    return Got(str(line), line is not None)


@attack(
    "replayed transfer code: expired",
    "Ada's code typed 10 min 1 s after it was made",
    "an expired code opens Ada's work",
)
def code_expired(lab: Lab) -> Got:
    code = ms.transfer_code(lab.store, lab.ada.who)
    later = SimpleNamespace(time=lambda: time.time() + ident.CODE_SECONDS + 1)
    with mock.patch.object(ident, "time", later):
        line = refusal(lambda: ms.redeem(lab.store, code, lab.eve.who))
    return Got(str(line), line is not None)


@attack(
    "transfer code guessing",
    f"{ident.MAX_FAILURES} made-up codes from Eve's browser, then Ada's real code",
    "a guess or the real code accepted after the limit",
)
def code_guessing(lab: Lab) -> Got:
    for _ in range(ident.MAX_FAILURES):
        refusal(lambda: ms.redeem(lab.store, "ABCDE-23456", lab.eve.who))
    real = ms.transfer_code(lab.store, lab.ada.who)
    line = refusal(lambda: ms.redeem(lab.store, real, lab.eve.who))
    return Got(f"the real code then: {line}", line is not None)


# -- the teacher's key ------------------------------------------------------------------
def _teacher_calls(lab: Lab, code: str, key: str) -> dict[str, Callable[[], object]]:
    return {
        "open": lambda: lab.classes.check_teacher(code, key),
        "add challenge": lambda: lab.classes.add_challenge(code, key, "x", api.Rules()),
        "close": lambda: lab.classes.set_open(code, key, lab.challenge, False),
        "members": lambda: lab.classes.members(code, key),
        "CSV": lambda: lab.classes.export_csv(code, key),
        "models": lambda: lab.classes.export_models(code, key),
        "a model": lambda: lab.classes.saved_model(code, key, lab.ada_entry),
        "delete": lambda: lab.classes.delete_class(code, key),
    }


def _class_intact(lab: Lab) -> bool:
    return (
        lab.classes.challenge(lab.code, lab.challenge)["open"]
        and len(lab.classes.challenges(lab.code)) == 1
        and _ada_entry_intact(lab)
    )


@attack(
    "teacher actions without a key",
    "every teacher action (open, challenge, close, members, CSV, models, delete) with key ''",
    "any teacher action done",
)
def teacher_no_key(lab: Lab) -> Got:
    line, held = refused_all(_teacher_calls(lab, lab.code, ""))
    return Got(line, held and _class_intact(lab))


@attack(
    "teacher actions with a wrong key",
    "every teacher action with a random key, and with the teacher key's SHA-256",
    "any teacher action done",
)
def teacher_wrong_key(lab: Lab) -> Got:
    calls = _teacher_calls(lab, lab.code, secrets.token_urlsafe(32))
    hashed = _teacher_calls(lab, lab.code, api.words.key_hash(lab.key))
    line, held = refused_all({**calls, **{f"hash {k}": c for k, c in hashed.items()}})
    return Got(line, held and _class_intact(lab))


@attack(
    "the teacher key of another class",
    "Eve, teacher of her own club, uses the club's key with the class's code",
    "any teacher action done on the class",
)
def teacher_other_key(lab: Lab) -> Got:
    line, held = refused_all(_teacher_calls(lab, lab.code, lab.club_key))
    return Got(line, held and _class_intact(lab))


# -- names --------------------------------------------------------------------------
def _name(lab: Lab, typed: str) -> str:
    return lab.classes.join(lab.code, lab.student().who, typed)


@attack(
    "name with HTML",
    "joins as '<img src=x onerror=a()>' (23 characters)",
    "the tag reaches a page as HTML",
)
def name_html(lab: Lab) -> Got:
    kept = _name(lab, "<img src=x onerror=a()>")
    shown = board_table.ranking_html([{"rank": 1, "name": kept}])
    cell = shown.split("<td>")[2].split("</td>")[0]
    line = f"kept as text; the projector's ranking cell is {cell!r}"
    return Got(line, "<img" not in shown and "&lt;img" in shown)


@attack(
    "name with markdown and a link",
    "joins as '**[win](http://e.vil)**' and as 'www.e.vil'",
    "bold text or a link rendered on a page",
)
def name_markdown(lab: Lab) -> Got:
    kept = [_name(lab, t) for t in ("**[win](http://e.vil)**", "www.e.vil")]
    shown = [markdown_plain(k) for k in kept]
    line = f"kept as typed; markdown gets '{shown[0]}' and '{shown[1]}'"
    return Got(line, all("\\" in s and "](" not in s and "www." not in s for s in shown))


@attack(
    "name with an RTL override",
    "joins as 'Ada\\u202eEve' (right-to-left override: shows as 'AdaevE')",
    "a direction override kept in the name",
)
def name_rtl(lab: Lab) -> Got:
    kept = _name(lab, "Ada\u202eEve")
    return Got(f"kept as {kept!r}", "\u202e" not in kept and kept == "AdaEve")


@attack(
    "name with zero-width and control characters",
    "joins as 'E\\u200bv\\u2066e\\x00\\x1b[31m\\nX\\tY'",
    "a hidden or control character kept",
)
def name_hidden(lab: Lab) -> Got:
    kept = _name(lab, "E\u200bv\u2066e\x00\x1b[31m\nX\tY")
    return Got(f"kept as {kept!r}", kept == "Eve[31m X Y" and kept.isprintable())


@attack(
    "name of 10,000 characters",
    "joins as 'A' * 10,000, and as 10,000 zero-width spaces then 'A'",
    "a name longer than 24 characters stored",
)
def name_long(lab: Lab) -> Got:
    line, held = refused_all(
        {
            "long": lambda: _name(lab, "A" * 10_000),
            "hidden": lambda: _name(lab, "\u200b" * 10_000 + "A"),
        }
    )
    longest = max(len(m["name"]) for m in lab.classes.members(lab.code, lab.key))
    return Got(line, held and longest <= api.words.NAME_MAX)


@attack(
    "name as a spreadsheet formula",
    'joins as \'=HYPERLINK("e.vil","x")\' and submits; the teacher exports the CSV',
    "the CSV cell starts with '=' (a formula in a spreadsheet)",
)
def name_formula(lab: Lab) -> Got:
    mallory = lab.student()
    lab.classes.join(lab.code, mallory.who, '=HYPERLINK("e.vil","x")')
    lab.classes.submit(lab.code, lab.challenge, mallory.who, entry("formula"))
    rows = csv.DictReader(io.StringIO(lab.classes.export_csv(lab.code, lab.key)))
    cell = next(r["name"] for r in rows if "HYPERLINK" in r["name"])
    return Got(f"the CSV cell is {cell!r}", cell.startswith("'="))


# -- SQL ----------------------------------------------------------------------------
SQL = "x'); DROP TABLE class_members; --"


@attack(
    "SQL in names",
    f"joins as {SQL[:24]!r}",
    "the SQL runs (a table dropped) or the name changes",
)
def sql_name(lab: Lab) -> Got:
    kept = _name(lab, SQL[:24])
    names = [m["name"] for m in lab.classes.members(lab.code, lab.key)]
    return Got(f"stored as {kept!r}; tables intact", kept in names and _tables_intact(lab))


@attack(
    "SQL in titles",
    f"a class and a challenge titled {SQL!r}",
    "the SQL runs or the title changes",
)
def sql_title(lab: Lab) -> Got:
    code, key = lab.classes.create_class(SQL, lab.student().who)
    cid = lab.classes.add_challenge(code, key, SQL, api.Rules())
    titles = (lab.classes.check_teacher(code, key), lab.classes.challenge(code, cid)["title"])
    return Got("both stored as typed; tables intact", titles == (SQL, SQL) and _tables_intact(lab))


@attack(
    "SQL in a removal reason",
    f"the teacher removes an entry with the reason {SQL!r}",
    "the SQL runs or the reason changes",
)
def sql_reason(lab: Lab) -> Got:
    lab.classes.remove_entry(lab.code, lab.key, lab.ada_entry, SQL)
    (mine,) = lab.classes.mine(lab.code, lab.challenge, lab.ada.who)
    return Got(f"Ada reads {mine.removed!r}", mine.removed == SQL and _tables_intact(lab))


@attack(
    "SQL in codes and ids (query string)",
    "class=' OR 1=1 -- and challenge='1 OR 1=1' to join, the board, challenges, submit",
    "any class's data returned or a submission taken",
)
def sql_codes(lab: Lab) -> Got:
    code, cid = "' OR 1=1 --", "1 OR 1=1"
    line, held = refused_all(
        {
            "join": lambda: lab.classes.join(code, lab.eve.who, "Eve2"),
            "challenge": lambda: lab.classes.challenge(lab.code, cid),
            "submit": lambda: lab.classes.submit(lab.code, cid, lab.eve.who, entry("sql")),
            "remove": lambda: lab.classes.remove_entry(lab.code, lab.key, cid, "x"),
            "model": lambda: lab.classes.saved_model(lab.code, lab.key, cid),
        }
    )
    found = (lab.classes.challenges(code), lab.classes.board_version(lab.code, cid))
    line += f"; the board: {found[1]}, challenges: {found[0]}"
    one_line = all(part.startswith("Refused") for part in line.split(" / "))
    return Got(line, held and one_line and found == ([], None) and _tables_intact(lab))


@attack(
    "SQL in the identity cookie and a transfer code",
    "cookie \"' OR '1'='1\" padded to 43; transfer code \"' OR 1=1 --\"",
    "an identity found or a code accepted",
)
def sql_secret(lab: Lab) -> Got:
    return Got(
        *refused_all(
            {
                "cookie": lambda: ms.identity_for(lab.store, ("' OR '1'='1" + "A" * 43)[:43]),
                "code": lambda: ms.redeem(lab.store, "' OR 1=1 --", lab.eve.who),
            }
        )
    )


# -- class codes ----------------------------------------------------------------------
@attack(
    "class code guessing",
    f"{api.LIMITS['join']} made-up codes from one browser and address, then the right code "
    "from it and from a new browser at that address",
    "a join after the limit",
)
def class_code_guessing(lab: Lab) -> Got:
    where = "203.0.113.7"
    for _ in range(api.LIMITS["join"]):
        refusal(lambda: lab.classes.join(api.words.new_code(), lab.student().who, "G", where))
    guesser = lab.student()
    for _ in range(api.LIMITS["join"]):
        refusal(lambda: lab.classes.join(api.words.new_code(), guesser.who, "G", "198.51.100.1"))
    line, held = refused_all(
        {
            "same browser": lambda: lab.classes.join(lab.code, guesser.who, "G", "192.0.2.1"),
            "same address": lambda: lab.classes.join(lab.code, lab.student().who, "H", where),
        }
    )
    return Got(line, held)


@attack(
    "near-miss class codes",
    "the code with one character changed, two swapped, a look-alike O, one short, one long; "
    "made-up and empty codes",
    "a near miss told apart from a far one (a different message)",
)
def class_code_near(lab: Lab) -> Got:
    raw = lab.code.replace("-", "")
    changed = ("3" if raw[0] == "2" else "2") + raw[1:]
    k = next(k for k in range(1, 8) if raw[k] != raw[0])  # a swap that changes the code
    swapped = raw[k] + raw[1:k] + raw[0] + raw[k + 1 :]
    tries = [changed, swapped, "O" + raw[1:], raw[:7], raw + "2", "0O1l-IIII", "ZZZZ-ZZZZ", ""]
    said = {refusal(lambda t=t: lab.classes.join(t, lab.student().who, "N")) for t in tries}
    return Got(" / ".join(sorted(map(str, said))), said == {"Refused: that class code is wrong"})


# -- forged ids of another class --------------------------------------------------------
@attack(
    "forged challenge id of another class",
    "Eve submits to her club's challenge id with the class's code, and closes the class's "
    "challenge with her club's code and key",
    "an entry on another class's board, or its challenge closed",
)
def forged_challenge(lab: Lab) -> Got:
    line, held = refused_all(
        {
            "submit": lambda: lab.classes.submit(
                lab.code, lab.club_challenge, lab.eve.who, entry("x")
            ),
            "close": lambda: lab.classes.set_open(lab.club, lab.club_key, lab.challenge, False),
        }
    )
    return Got(line, held and _class_intact(lab))


@attack(
    "forged submission id of another class",
    "Eve removes and downloads Ada's entry by its id through her club's code and key",
    "Ada's entry removed or its model given to Eve",
)
def forged_submission(lab: Lab) -> Got:
    line, held = refused_all(
        {
            "remove": lambda: lab.classes.remove_entry(lab.club, lab.club_key, lab.ada_entry, "x"),
            "model": lambda: lab.classes.saved_model(lab.club, lab.club_key, lab.ada_entry),
        }
    )
    club_board = lab.classes.entries(lab.club, lab.challenge)
    return Got(line, held and club_board == [] and _ada_entry_intact(lab))


@attack(
    "progress reported into another class",
    "a browser that never joined reports training progress to the class",
    "a stranger listed in the teacher's view",
)
def progress_stranger(lab: Lab) -> Got:
    stranger = lab.student()
    lab.classes.report_progress(lab.code, stranger.who, 5.0, 10)
    names = [m["name"] for m in lab.classes.members(lab.code, lab.key)]
    return Got(f"ignored: the teacher's view lists {names}", sorted(names) == ["Ada", "Eve"])


# -- submissions ----------------------------------------------------------------------
@attack(
    "submission to a closed challenge",
    "Eve submits after the teacher pressed Close",
    "an entry on a closed board",
)
def closed(lab: Lab) -> Got:
    lab.classes.set_open(lab.code, lab.key, lab.challenge, False)
    line = refusal(lambda: lab.classes.submit(lab.code, lab.challenge, lab.eve.who, entry("c")))
    return Got(str(line), line is not None and lab.board_names() == ["Ada"])


@attack(
    "submission to an ended challenge",
    "Eve submits one second after the challenge's end time",
    "an entry after the end",
)
def ended(lab: Lab) -> Got:
    cid = lab.classes.add_challenge(lab.code, lab.key, "Ends", api.Rules(), time.time() + 0.5)
    time.sleep(1.0)
    line = refusal(lambda: lab.classes.submit(lab.code, cid, lab.eve.who, entry("late")))
    return Got(str(line), line is not None and lab.classes.entries(lab.code, cid) == [])


@attack(
    "submission flood",
    f"Eve submits {api.LIMITS['submit'] + 1} different runs in a row",
    f"more than {api.LIMITS['submit']} entries in ten minutes",
)
def flood(lab: Lab) -> Got:
    said = [
        refusal(lambda k=k: lab.classes.submit(lab.code, lab.challenge, lab.eve.who, entry(k)))
        for k in range(api.LIMITS["submit"] + 1)
    ]
    count = lab.board_names().count("Eve")
    line = f"{count} taken, then {said[-1]}"
    return Got(line, count == api.LIMITS["submit"] and said[-1] is not None)


@attack(
    "replayed submission",
    "Eve presses Submit twice for the same run (the same model bytes)",
    "the same run on the board twice",
)
def replayed(lab: Lab) -> Got:
    lab.classes.submit(lab.code, lab.challenge, lab.eve.who, entry("once"))
    line = refusal(lambda: lab.classes.submit(lab.code, lab.challenge, lab.eve.who, entry("once")))
    return Got(str(line), line is not None and lab.board_names().count("Eve") == 1)


@attack(
    "submission without joining",
    "a browser that never joined submits to the class's challenge",
    "an entry from a non-member",
)
def outsider(lab: Lab) -> Got:
    line = refusal(
        lambda: lab.classes.submit(lab.code, lab.challenge, lab.student().who, entry("o"))
    )
    return Got(str(line), line is not None and lab.board_names() == ["Ada"])


# -- oversized and malformed saves -------------------------------------------------------
@attack(
    "oversized submission",
    f"a board entry whose model is {api.MAX_MODEL_BYTES + 1:,} bytes",
    "an oversized model stored",
)
def big_submission(lab: Lab) -> Got:
    big = api.NewEntry(b"\0" * (api.MAX_MODEL_BYTES + 1), 0.9, 1, 1.0, 1, {}, {})
    line = refusal(lambda: lab.classes.submit(lab.code, lab.challenge, lab.eve.who, big))
    return Got(str(line), line is not None and lab.board_names() == ["Ada"])


@attack(
    "oversized save",
    f"a run save of {runs.MAX_RUN_BYTES + 1:,} bytes, and a 3 MB Playground snapshot",
    "either stored",
)
def big_save(lab: Lab) -> Got:
    big = record()
    big.model += b"\0" * (runs.MAX_RUN_BYTES + 1 - len(big.model))
    line, held = refused_all(
        {
            "run": lambda: ms.save_run(lab.store, lab.eve.who, big),
            "snapshot": lambda: ms.save_snapshot(
                lab.store, lab.eve.who, "s", {"x": "a" * (3 << 20)}
            ),
        }
    )
    kept = (ms.runs_of(lab.store, lab.eve.who), ms.snapshots_of(lab.store, lab.eve.who))
    return Got(line, held and kept == ([], []))


@attack(
    "malformed save",
    "a run save whose weights are a pickle, a status 'hacked', NaN seconds",
    "any stored",
)
def malformed_save(lab: Lab) -> Got:
    def bad(**fields) -> ms.RunRecord:
        found = record()
        for name, value in fields.items():
            setattr(found, name, value)
        return found

    line, held = refused_all(
        {
            what: (lambda r=r: ms.save_run(lab.store, lab.eve.who, r))
            for what, r in {
                "pickle": bad(model=b"\x80\x04\x95pickle."),
                "status": bad(status="hacked"),
                "nan": bad(seconds=float("nan")),
            }.items()
        }
    )
    return Got(line, held and ms.runs_of(lab.store, lab.eve.who) == [])
