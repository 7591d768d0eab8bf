"""Who a student is: a random secret their browser keeps, stored here only hashed.

The secret is 256 random bits (`secrets.token_urlsafe(32)`). The server keeps its SHA-256:
a slow password hash (bcrypt, Argon2) protects secrets people choose, which are few
enough to try one by one; nobody can try 2**256 secrets, so one fast hash is as safe
here, and it lets the server find a key by an indexed equality. Whoever holds the
database cannot turn a hash back into a cookie that opens the student's work.

"Continue on another device" is a one-time transfer code: 10 characters (~49 bits),
expiring after `CODE_SECONDS`, stored hashed, deleted when used; a browser that types
`MAX_FAILURES` wrong codes waits `FAILURE_WINDOW` seconds. "Forget me" deletes the
identity and, through ON DELETE CASCADE, every row that names it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from mlp_store.db import Base, Store
from mlp_store.errors import Refused
from mlp_store.models import Identity as IdentityRow
from mlp_store.models import IdentityKey, TransferCode

SECRET_BYTES = 32
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud safely
CODE_LENGTH = 10
CODE_SECONDS = 600.0
CODES_PER_IDENTITY = 3
MAX_FAILURES = 5
FAILURE_WINDOW = 600.0
SEEN_EVERY = 3600.0  # last_seen is written at most this often (not on every page load)
ORPHAN_DAYS = 30.0
"""An identity with no saved work, unseen this many days, is deleted by `housekeeping`."""


@dataclass(frozen=True)
class Identity:
    """A student, as the store's calls take it: only `identity_for` and `redeem` make one."""

    id: int


def new_secret() -> str:
    """A fresh browser secret (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def key_hash(secret: str) -> str:
    """The SHA-256 the server keeps of a secret; a malformed secret is refused."""
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        raise Refused("this browser's key is malformed (expected 43 URL-safe characters)")
    return hashlib.sha256(secret.encode()).hexdigest()


def identity_for(store: Store, secret: str, create: bool = False) -> Identity | None:
    """The identity whose browser holds `secret`; None if unknown (a new one with
    `create`). A malformed secret raises Refused."""
    digest, now = key_hash(secret), time.time()
    for _ in range(3):
        try:
            with store.write() as session:
                found = session.get(IdentityKey, digest)
                if found is not None:
                    session.execute(
                        update(IdentityRow)
                        .where(IdentityRow.id == found.identity_id)
                        .where(IdentityRow.last_seen < now - SEEN_EVERY)
                        .values(last_seen=now)
                    )
                    return Identity(found.identity_id)
                if not create:
                    return None
                return Identity(_new_identity(session, digest, now))
        except IntegrityError:  # another tab created it at the same moment: look again
            continue
    raise Refused("this browser's key could not be registered; reload the page")


def _new_identity(session, digest: str, now: float) -> int:
    row = IdentityRow(created=now, last_seen=now, redeem_failures=0, redeem_window=0.0)
    session.add(row)
    session.flush()
    session.add(IdentityKey(key_hash=digest, identity_id=row.id, created=now))
    session.flush()
    return row.id


def transfer_code(store: Store, who: Identity) -> str:
    """A new one-time code that gives another browser this identity (shown as XXXXX-XXXXX)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = time.time()
    with store.write() as session:
        session.execute(delete(TransferCode).where(TransferCode.expires < now))
        live = session.scalars(
            select(TransferCode.code_hash)
            .where(TransferCode.identity_id == who.id)
            .order_by(TransferCode.expires.desc())
        ).all()
        if live[CODES_PER_IDENTITY - 1 :]:
            stale = live[CODES_PER_IDENTITY - 1 :]
            session.execute(delete(TransferCode).where(TransferCode.code_hash.in_(stale)))
        session.add(
            TransferCode(code_hash=_code_hash(code), identity_id=who.id, expires=now + CODE_SECONDS)
        )
    return f"{code[:5]}-{code[5:]}"


def _code_hash(code: str) -> str:
    return hashlib.sha256(f"transfer:{code}".encode()).hexdigest()


def _normalised(code: str) -> str:
    plain = re.sub(r"[\s-]", "", str(code)).upper()
    if len(plain) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in plain):
        raise Refused(
            f"a transfer code is {CODE_LENGTH} letters and digits, like "
            "ABCDE-23456 (no 0, O, 1, I, L or U)"
        )
    return plain


def redeem(store: Store, code: str, by: Identity) -> tuple[Identity, str]:
    """Use a transfer code typed in the browser of `by`: -> the code's identity and a new
    secret for this browser. Refused when the code is malformed, unknown, used or
    expired, or after too many wrong codes."""
    plain, now = _normalised(code), time.time()
    with store.write() as session:
        me = session.get(IdentityRow, by.id)
        if me is None:
            raise Refused("this browser has no identity yet; reload the page")
        if me.redeem_window < now - FAILURE_WINDOW:
            me.redeem_failures, me.redeem_window = 0, now
        if me.redeem_failures >= MAX_FAILURES:
            wait = me.redeem_window + FAILURE_WINDOW - now
            raise Refused(f"too many wrong codes: try again in {wait / 60:.0f} minutes")
        found = session.get(TransferCode, _code_hash(plain))
        if found is None or found.expires < now:
            me.redeem_failures += 1
            target = None
        else:
            target = found.identity_id
            session.delete(found)  # single use
            secret = new_secret()
            session.add(IdentityKey(key_hash=key_hash(secret), identity_id=target, created=now))
    if target is None:
        raise Refused("this code is unknown, used or expired: make a new one on the other device")
    return Identity(target), secret


def forget(store: Store, who: Identity) -> None:
    """Delete the identity and everything that names it (its runs, snapshots, keys...)."""
    with store.write() as session:
        for table in _owned_tables():
            session.execute(delete(table).where(table.c.identity_id == who.id))
        session.execute(delete(IdentityRow).where(IdentityRow.id == who.id))


def _owned_tables():
    """Every table with an `identity_id` column: this package's and any added later."""
    return [t for t in Base.metadata.sorted_tables if "identity_id" in t.c]


def housekeeping(store: Store, now: float | None = None) -> int:
    """Delete expired transfer codes and identities with no work unseen for ORPHAN_DAYS
    -> how many identities went."""
    now = time.time() if now is None else now
    keys_only = {"identity_keys", "transfer_codes"}
    with store.write() as session:
        session.execute(delete(TransferCode).where(TransferCode.expires < now))
        orphan = IdentityRow.last_seen < now - ORPHAN_DAYS * 86400
        for table in _owned_tables():
            if table.name not in keys_only:
                orphan = orphan & ~exists().where(table.c.identity_id == IdentityRow.id)
        ids = session.scalars(select(IdentityRow.id).where(orphan)).all()
        for table in _owned_tables():
            session.execute(delete(table).where(table.c.identity_id.in_(ids)))
        session.execute(delete(IdentityRow).where(IdentityRow.id.in_(ids)))
    return len(ids)
