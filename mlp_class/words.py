"""Class codes, teacher keys and display names: what people type, made safe.

- A class code is 8 characters from an alphabet without look-alikes (no 0/O, 1/l/I),
  shown as ABCD-EFGH: 31**8 (about 8.5e11) codes, so with joins rate-limited (a handful
  of wrong codes per browser and address every few minutes) guessing one is hopeless.
  Typed codes are read leniently: case, spaces and dashes do not matter.
- A teacher key is a random secret (256 bits) kept in the teacher's browser; the server
  keeps only its SHA-256 (a salt adds nothing to a secret this long).
- A display name is plain text: Unicode-normalised (NFKC), without control, format
  (direction overrides, zero-width) or line characters, spaces collapsed, at most
  NAME_MAX characters. Names are compared case-folded, so "Ada" and "ADA" are one name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
NAME_MAX = 24


def new_code() -> str:
    """A fresh class code, e.g. 'K7QM-W3ZD'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def read_code(typed: str) -> str | None:
    """The code someone typed, as stored ('k7qm w3zd' -> 'K7QM-W3ZD'); None if it cannot
    be a code (then it is simply wrong: the message never says more)."""
    raw = "".join(c for c in str(typed)[:64].upper() if c not in " -\t")
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def new_key() -> str:
    """A teacher key (kept in the teacher's browser, never on the server)."""
    return secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """What the server keeps of a key."""
    return hashlib.sha256(str(key).encode("utf-8", "replace")).hexdigest()


def key_matches(key: str | None, stored_hash: str) -> bool:
    """Whether `key` is the one whose hash is stored (in constant time)."""
    return bool(key) and hmac.compare_digest(key_hash(key), stored_hash)


def clean_name(typed: str) -> str:
    """A display name made plain and short; ValueError (one line) if nothing usable is left
    or it is too long."""
    typed = str(typed)
    if len(typed) > 4 * NAME_MAX:  # long before the hidden characters go: not a name
        raise ValueError(f"a name has at most {NAME_MAX} characters; this one has {len(typed)}")
    name = plain(typed)
    if not name:
        raise ValueError(f"a name needs at least one visible character (at most {NAME_MAX})")
    if len(name) > NAME_MAX:
        raise ValueError(f"a name has at most {NAME_MAX} characters; this one has {len(name)}")
    return name


def plain(text: str) -> str:
    """`text` normalised, without hidden characters, its spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(text))
    return " ".join("".join(" " if _space(c) else c for c in text if not _hidden(c)).split())


def name_key(name: str) -> str:
    """What makes two names the same in a class."""
    return unicodedata.normalize("NFKC", name).casefold()


def _hidden(c: str) -> bool:
    """Control, format (bidi overrides, zero-width), surrogate, private and unassigned."""
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") and not _space(c)


def _space(c: str) -> bool:
    return c in "\t\n\r\x0b\x0c" or unicodedata.category(c) in ("Zs", "Zl", "Zp")
