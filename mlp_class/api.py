"""What the Class and Board pages call: one `ClassStore` over the class tables. Every value
a person typed reaches SQL only as a bound parameter (SQLAlchemy's select/insert); every
refusal is a `Refused` with one line that names the problem.

Who may do what:
- teacher actions need the class code and the teacher key (its hash must match);
- a student acts as the member whose `owner` is their browser identity: a submission,
  the entries they see as theirs and their progress are looked up by that identity,
  never by an id the page sends;
- joins: LIMITS["join"] wrong codes per identity and per address in WINDOW seconds
  (a wrong code says only that it is wrong); submissions: LIMITS["submit"] per member.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Update, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlp_class import words
from mlp_class.tables import Attempt, Challenge, ClassRoom, Member, Submission
from mlp_core.challenge import Rules
from mlp_store import Identity, Store
from mlp_store import Refused as StoreRefused

WINDOW = 600.0
LIMITS = {"join": 10, "submit": 20, "create": 10}
"""Tries per WINDOW seconds: wrong class codes per identity and per address, submissions
per student, classes created per identity."""
MAX_MODEL_BYTES = 8 * 2**20
"""A submitted model file at most (784-1000-1000-10 as float32 is 7.2 MB)."""
TITLE_MAX = 80
REASON_MAX = 200


class Refused(StoreRefused):
    """An action refused, with the one-line reason a page shows."""


@dataclass(frozen=True)
class Entry:
    """One submission as the board shows it (never the model or its owner's identity)."""

    id: int
    member_id: int
    name: str
    score: float
    params: int
    seconds: float
    epochs: int
    created: float
    config: dict
    history: dict
    removed: str | None


def _progress_note() -> Update:
    """One UPDATE of a member's progress, no row loaded, built once: a class of thirty
    notes its progress about 500 times (a select and the member's row took ~0.9 ms of the
    server's CPU each; this, ~0.5 ms)."""
    room = select(ClassRoom.id).where(ClassRoom.code == bindparam("code")).scalar_subquery()
    return (
        update(Member)
        .where(Member.class_id == room, Member.identity_id == bindparam("who"))
        .values(
            progress=bindparam("epochs"), progress_of=bindparam("of"), progress_at=bindparam("at")
        )
        .execution_options(synchronize_session=False)
    )


_PROGRESS = _progress_note()


class ClassStore:
    """The class tables of one store (mlp_store.open_store: migrated to the newest)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self.store.write() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self.store.read() as session:
            yield session

    # -- rate limits ---------------------------------------------------------------------
    def _count(self, s: Session, kind: str, who: str) -> int:
        since = time.time() - WINDOW
        query = select(func.count()).where(
            Attempt.kind == kind, Attempt.who == who, Attempt.at > since
        )
        return s.scalar(query) or 0

    def _over(self, s: Session, kind: str, *whos: str) -> bool:
        return any(self._count(s, kind, w) >= LIMITS[kind] for w in whos if w)

    def _note(self, kind: str, *whos: str) -> None:
        with self._tx() as s:
            s.add_all(Attempt(kind=kind, who=w[:128], at=time.time()) for w in whos if w)

    # -- the teacher ---------------------------------------------------------------------
    def create_class(self, title: str, owner: Identity) -> tuple[str, str]:
        """A new class -> (its code, the teacher key to keep in the teacher's browser)."""
        title = _title(title)
        with self._read() as s:
            if self._over(s, "create", f"i{owner.id}"):
                raise Refused("too many classes created from this browser: try again later")
        self._note("create", f"i{owner.id}")
        key = words.new_key()
        for _ in range(5):  # a code already taken (1 in 10^11): draw another
            code = words.new_code()
            try:
                with self._tx() as s:
                    s.add(
                        ClassRoom(
                            code=code,
                            title=title,
                            key_hash=words.key_hash(key),
                            created=time.time(),
                        )
                    )
                return code, key
            except IntegrityError:
                continue
        raise Refused("no free class code was found: try again")

    def _teacher(self, s: Session, code: str, key: str) -> ClassRoom:
        room = s.scalar(select(ClassRoom).where(ClassRoom.code == (words.read_code(code) or "")))
        if room is None or not words.key_matches(key, room.key_hash):
            raise Refused("that class code and teacher key do not match a class")
        return room

    def check_teacher(self, code: str, key: str) -> str:
        """The class's title, if `key` is its teacher key (else Refused)."""
        with self._read() as s:
            return self._teacher(s, code, key).title

    def add_challenge(
        self,
        code: str,
        key: str,
        title: str,
        rules: Rules,
        ends_at: float | None = None,
        auto_submit: bool = False,
    ) -> int:
        with self._tx() as s:
            room = self._teacher(s, code, key)
            row = Challenge(
                class_id=room.id,
                title=_title(title),
                ends_at=ends_at,
                rules=json.dumps(rules.to_dict()),
                created=time.time(),
                auto_submit=auto_submit,
            )
            s.add(row)
            s.flush()
            return row.id

    def set_open(self, code: str, key: str, challenge_id: int, is_open: bool) -> None:
        with self._tx() as s:
            self._challenge_of(s, self._teacher(s, code, key), challenge_id).open = is_open

    def delete_class(self, code: str, key: str) -> None:
        """The class and everything in it."""
        with self._tx() as s:
            room = self._teacher(s, code, key)
            ids = select(Challenge.id).where(Challenge.class_id == room.id)
            s.execute(delete(Submission).where(Submission.challenge_id.in_(ids)))
            s.execute(delete(Challenge).where(Challenge.class_id == room.id))
            s.execute(delete(Member).where(Member.class_id == room.id))
            s.delete(room)

    def remove_entry(self, code: str, key: str, submission_id: int, reason: str) -> None:
        """Take a submission off the board, with the reason its owner sees."""
        reason = words.plain(str(reason)[: 4 * REASON_MAX])[:REASON_MAX]
        reason = reason or "removed by the teacher"
        if not str(submission_id).isdigit():
            raise Refused("no such entry in this class")
        with self._tx() as s:
            room = self._teacher(s, code, key)
            row = s.get(Submission, int(submission_id))
            if row is None or s.get(Challenge, row.challenge_id).class_id != room.id:
                raise Refused("no such entry in this class")
            row.removed = reason

    def saved_model(self, code: str, key: str, submission_id: int) -> tuple[bytes, int]:
        """A submission's model file and its epochs, for the teacher to train it again."""
        if not str(submission_id).isdigit():
            raise Refused("no such entry in this class")
        with self._read() as s:
            room = self._teacher(s, code, key)
            row = s.execute(
                select(Submission.model, Submission.epochs)
                .join(Challenge, Challenge.id == Submission.challenge_id)
                .where(Submission.id == _int(submission_id), Challenge.class_id == room.id)
            ).first()
            if row is None:
                raise Refused("no such entry in this class")
            return bytes(row[0]), int(row[1])

    def _challenge_of(self, s: Session, room: ClassRoom, challenge_id: int) -> Challenge:
        row = s.get(Challenge, int(challenge_id))
        if row is None or row.class_id != room.id:
            raise Refused("no such challenge in this class")
        return row

    def members(self, code: str, key: str, challenge_id: int | None = None) -> list[dict]:
        """Everyone who joined: name, progress, how many entries (in one challenge, or in
        all), for the teacher's view."""
        with self._read() as s:
            room = self._teacher(s, code, key)
            query = (
                select(Submission.member_id, func.count())
                .join(Member, Member.id == Submission.member_id)
                .where(Member.class_id == room.id)
                .group_by(Submission.member_id)
            )
            if challenge_id is not None:
                query = query.where(Submission.challenge_id == _int(challenge_id))
            counts = dict(s.execute(query).all())
            rows = s.scalars(
                select(Member).where(Member.class_id == room.id).order_by(Member.joined)
            ).all()
            return [
                dict(
                    name=m.name,
                    progress=m.progress,
                    of=m.progress_of,
                    at=m.progress_at,
                    entries=counts.get(m.id, 0),
                )
                for m in rows
            ]

    def export_csv(self, code: str, key: str) -> str:
        """Every submission of the class, with its settings and scores."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "challenge",
                "data",
                "measure",
                "name",
                "submitted",
                "private_score",
                "private_loss",
                "private_accuracy",
                "parameters",
                "seconds",
                "epochs",
                "removed",
                "settings",
            ]
        )
        for ch, rules, e in self._all_entries(code, key):
            loss, acc = _private(rules, e)
            writer.writerow(
                [
                    ch,
                    rules.data_line(),
                    rules.measure,
                    _cell(e.name),
                    time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.created)),
                    f"{e.score:.6f}",
                    loss,
                    acc,
                    e.params,
                    f"{e.seconds:.2f}",
                    e.epochs,
                    _cell(e.removed or ""),
                    json.dumps(e.config, sort_keys=True),
                ]
            )
        return out.getvalue()

    def export_models(self, code: str, key: str) -> bytes:
        """Every submitted model as an .npz file, in one zip."""
        buf = io.BytesIO()
        with self._read() as s, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            room = self._teacher(s, code, key)
            rows = s.execute(
                select(Submission.id, Submission.model)
                .join(Challenge)
                .where(Challenge.class_id == room.id)
            ).all()
            for sid, model in rows:
                z.writestr(f"submission_{sid}.npz", model)
        return buf.getvalue()

    def _all_entries(self, code: str, key: str) -> list[tuple[str, Rules, Entry]]:
        with self._read() as s:
            room = self._teacher(s, code, key)
            rows = s.execute(
                _entries()
                .join(Challenge)
                .where(Challenge.class_id == room.id)
                .add_columns(Challenge.title, Challenge.rules)
            ).all()
            return [
                (title, Rules.from_dict(json.loads(rules)), _entry(row))
                for *row, title, rules in rows
            ]

    # -- students ------------------------------------------------------------------------
    def join(self, code: str, owner: Identity, name: str, address: str = "") -> str:
        """Join the class as `name` (cleaned); the name kept. A browser that already
        joined keeps its first name."""
        with self._read() as s:
            if self._over(s, "join", f"i{owner.id}", address):
                raise Refused("too many wrong class codes from here: wait ten minutes")
            room = s.scalar(
                select(ClassRoom).where(ClassRoom.code == (words.read_code(code) or ""))
            )
        if room is None:
            self._note("join", f"i{owner.id}", address)
            raise Refused("that class code is wrong")
        with self._read() as s:
            found = s.scalar(
                select(Member).where(Member.class_id == room.id, Member.identity_id == owner.id)
            )
            if found is not None:
                return found.name
        clean = words.clean_name(name)
        try:
            with self._tx() as s:
                s.add(
                    Member(
                        class_id=room.id,
                        identity_id=owner.id,
                        name=clean,
                        name_key=words.name_key(clean),
                        joined=time.time(),
                    )
                )
        except IntegrityError:
            raise Refused(f"the name {clean!r} is taken in this class: choose another") from None
        return clean

    def membership(self, code: str, owner: Identity) -> tuple[str, str] | None:
        """(class title, my name) if this browser joined the class, else None."""
        with self._read() as s:
            row = s.execute(
                select(ClassRoom.title, Member.name)
                .join(Member, Member.class_id == ClassRoom.id)
                .where(
                    ClassRoom.code == (words.read_code(code) or ""), Member.identity_id == owner.id
                )
            ).first()
            return (row[0], row[1]) if row else None

    def challenges(self, code: str) -> list[dict]:
        """The class's challenges (anyone with the code may read them)."""
        with self._read() as s:
            rows = s.scalars(
                select(Challenge)
                .join(ClassRoom, ClassRoom.id == Challenge.class_id)
                .where(ClassRoom.code == (words.read_code(code) or ""))
                .order_by(Challenge.id)
            ).all()
            return [_challenge(c) for c in rows]

    def challenge(self, code: str, challenge_id: int) -> dict:
        found = [c for c in self.challenges(code) if c["id"] == _int(challenge_id)]
        if not found:
            raise Refused("no such challenge in this class")
        return found[0]

    def report_progress(self, code: str, owner: Identity, epochs: float | None, of: int) -> None:
        """How far this browser's run is (None: not training), for the teacher's view."""
        values = {"code": words.read_code(code) or "", "who": owner.id}
        values |= {"epochs": epochs, "of": of, "at": time.time()}
        with self._tx() as s:
            s.execute(_PROGRESS, values)

    def _member(self, s: Session, code: str, owner: Identity) -> Member | None:
        return s.scalar(
            select(Member)
            .join(ClassRoom, ClassRoom.id == Member.class_id)
            .where(ClassRoom.code == (words.read_code(code) or ""), Member.identity_id == owner.id)
        )

    def submit(self, code: str, challenge_id: int, owner: Identity, entry: NewEntry) -> int:
        """Put a scored run on the board as this browser's member -> its id."""
        if len(entry.model) > MAX_MODEL_BYTES:
            raise Refused(
                f"the model file is {len(entry.model):,} bytes; at most {MAX_MODEL_BYTES:,}"
            )
        digest = hashlib.sha256(entry.model).hexdigest()
        with self._tx() as s:
            member = self._member(s, code, owner)
            if member is None:
                raise Refused("join the class first: only its members can submit")
            ch = s.get(Challenge, _int(challenge_id))
            if ch is None or ch.class_id != member.class_id:
                raise Refused("no such challenge in this class")
            if not ch.open or (ch.ends_at is not None and time.time() > ch.ends_at):
                raise Refused("this challenge is closed: the teacher can reopen it")
            if self._over(s, "submit", f"m{member.id}"):
                raise Refused(
                    f"at most {LIMITS['submit']} submissions in ten minutes: wait a little"
                )
            if s.scalar(
                select(Submission.id).where(
                    Submission.challenge_id == ch.id,
                    Submission.member_id == member.id,
                    Submission.digest == digest,
                )
            ):
                raise Refused("this run is already on the board")
            member_id = member.id
        self._note("submit", f"m{member_id}")
        with self._tx() as s:
            row = Submission(
                challenge_id=_int(challenge_id),
                member_id=member_id,
                created=time.time(),
                config=json.dumps(entry.config),
                history=json.dumps(entry.history),
                model=entry.model,
                digest=digest,
                score=entry.score,
                params=entry.params,
                seconds=entry.seconds,
                epochs=entry.epochs,
            )
            s.add(row)
            s.flush()
            return row.id

    # -- the board -----------------------------------------------------------------------
    def entries(self, code: str, challenge_id: int) -> list[Entry]:
        """Every submission of a challenge, oldest first (removed ones included)."""
        with self._read() as s:
            query = (
                _entries()
                .join(Challenge, Challenge.id == Submission.challenge_id)
                .join(ClassRoom, ClassRoom.id == Challenge.class_id)
                .where(
                    ClassRoom.code == (words.read_code(code) or ""),
                    Challenge.id == _int(challenge_id),
                )
                .order_by(Submission.created, Submission.id)
            )
            return [_entry(row) for row in s.execute(query).all()]

    def board_version(self, code: str, challenge_id: int) -> tuple | None:
        """A few numbers that change whenever the challenge's board would (a submission
        added, removed or deleted; the challenge closed, reopened or past its end), from
        one small query: a board's viewers check it often and redraw only on a change.
        None: no such challenge in this class."""
        if not str(challenge_id).isdigit():
            return None
        with self._read() as s:
            row = s.execute(
                select(
                    Challenge.open,
                    Challenge.ends_at,
                    func.count(Submission.id),
                    func.max(Submission.id),
                    func.count(Submission.removed),
                )
                .join(ClassRoom, ClassRoom.id == Challenge.class_id)
                .outerjoin(Submission, Submission.challenge_id == Challenge.id)
                .where(
                    ClassRoom.code == (words.read_code(code) or ""),
                    Challenge.id == _int(challenge_id),
                )
                .group_by(Challenge.id, Challenge.open, Challenge.ends_at)
            ).first()
        if row is None:
            return None
        is_open, ends_at, *counts = row
        return (bool(is_open and (ends_at is None or time.time() <= ends_at)), *counts)

    def mine(self, code: str, challenge_id: int, owner: Identity) -> list[Entry]:
        """This browser's own submissions (with the teacher's reasons for removed ones)."""
        with self._read() as s:
            member = self._member(s, code, owner)
            mid = member.id if member else -1
        return [e for e in self.entries(code, challenge_id) if e.member_id == mid]


@dataclass(frozen=True)
class NewEntry:
    """A run the server has checked against the rules and scored."""

    model: bytes
    score: float
    params: int
    seconds: float
    epochs: int
    config: dict
    history: dict


def ranking(entries: list[Entry], lower: bool = False) -> list[Entry]:
    """Best submission per student, best first (the highest score, or with `lower` the
    lowest, as a loss); ties go to the earlier one."""
    sign = 1.0 if lower else -1.0
    order = lambda e: (sign * e.score, e.created, e.id)  # noqa: E731
    best: dict[int, Entry] = {}
    for e in sorted(entries, key=order):
        if e.removed is None and e.member_id not in best:
            best[e.member_id] = e
    return sorted(best.values(), key=order)


def _private(rules: Rules, e: Entry) -> tuple[str, str]:
    """An entry's loss and accuracy on the private digits or points, as CSV cells ('':
    not measured: an MNIST entry's loss, a regression's accuracy)."""
    if not rules.playground:
        return "", f"{e.score:.6f}"
    found = e.history.get("private") or {}
    loss, acc = found.get("loss"), found.get("accuracy")
    return ("" if loss is None else f"{loss:.6f}"), ("" if acc is None else f"{acc:.6f}")


def _entries():
    return select(
        Submission.id,
        Submission.member_id,
        Member.name,
        Submission.score,
        Submission.params,
        Submission.seconds,
        Submission.epochs,
        Submission.created,
        Submission.config,
        Submission.history,
        Submission.removed,
    ).join(Member, Member.id == Submission.member_id)


def _entry(row) -> Entry:
    *head, config, history, removed = row
    return Entry(*head, json.loads(config), json.loads(history), removed)


def _challenge(c: Challenge) -> dict:
    return dict(
        id=c.id,
        title=c.title,
        rules=Rules.from_dict(json.loads(c.rules)),
        open=c.open and (c.ends_at is None or time.time() <= c.ends_at),
        ends_at=c.ends_at,
        auto_submit=c.auto_submit,
    )


def _title(text: str) -> str:
    if len(str(text)) > 4 * TITLE_MAX:
        raise Refused(f"a title has 1 to {TITLE_MAX} characters; this one has {len(str(text))}")
    title = words.plain(text)
    if not title or len(title) > TITLE_MAX:
        raise Refused(f"a title has 1 to {TITLE_MAX} characters; this one has {len(title)}")
    return title


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Refused("no such challenge in this class") from None


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text (a leading = + - @ would be a formula)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
