"""Passwords: the rules a new one must pass, and hashing with argon2.

No routes: accounts (the pages) and commands (create-admin, seed-demo) both use it.
"""

from __future__ import annotations

import string
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from hiat import store

MIN_PASSWORD = 12
MAX_PASSWORD = 200
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common_passwords.txt"
# What people add to a common word to pass a rule: "Password1234!" is still "password".
PADDING = string.digits + string.punctuation + string.whitespace


def hasher() -> PasswordHasher:
    return current_app.extensions["hiat_hasher"]


def hash_password(password: str) -> str:
    return hasher().hash(password)


def password_matches(account: store.User | None, password: str) -> bool:
    try:
        # An unknown email still costs one hash, so timing does not reveal accounts.
        hasher().verify(
            account.password_hash if account else current_app.extensions["hiat_dummy_hash"],
            password,
        )
    except (VerificationError, InvalidHashError):
        return False
    return account is not None


def load_common_passwords(path: Path = COMMON_PASSWORDS) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(_folded(line) for line in lines if line.strip() and not line.startswith("#"))


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def is_common(password: str, common: frozenset[str]) -> bool:
    """On the list, ignoring case and spaces, even with digits or symbols at either end
    or repeated ("monkeymonkey")."""
    folded = _folded(password)
    candidates = {folded, folded.strip(PADDING)}
    return any(_is_listed(c, common) for c in candidates if c)


def _is_listed(text: str, common: frozenset[str]) -> bool:
    if text in common:
        return True
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            # "aaaaaaaaaaaa" is refused because "aaaaaa" is listed.
            return any(text[:size] * times in common for times in range(1, len(text) // size))
    return False


def password_problem(password: str, email: str, common: frozenset[str]) -> str | None:
    """Why this password will not do, in words for the person choosing it; None if it will."""
    typed = password.strip()
    if not typed:
        return "Enter a password: spaces on their own do not count"
    if len(typed) < MIN_PASSWORD:
        return (
            f"The password must be at least {MIN_PASSWORD} characters, not counting spaces "
            "at the start or end"
        )
    if len(password) > MAX_PASSWORD:
        return f"The password must be {MAX_PASSWORD} characters or fewer"
    if email and _folded(typed) == _folded(email):
        return "The password must not be the email address"
    if is_common(typed, common):
        return (
            "This password is too common: it is on a list of the passwords most often "
            "used and tried first. Choose one that is harder to guess, such as three or "
            "four unrelated words"
        )
    return None
