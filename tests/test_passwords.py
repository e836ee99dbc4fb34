"""The password rules: long enough, not the email address, not a common password."""

from __future__ import annotations

import pytest

from hiat.passwords import COMMON_PASSWORDS, is_common, load_common_passwords, password_problem

COMMON = load_common_passwords()


def entries() -> list[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_common_password_list_names_its_source_and_holds_200_passwords():
    text = COMMON_PASSWORDS.read_text(encoding="utf-8")
    assert "ncsc.gov.uk" in text and "100k-most-used-passwords-NCSC.txt" in text
    assert len(entries()) == 200
    assert len(set(entries())) == 200
    assert len(COMMON) == 200


@pytest.mark.parametrize(
    "password",
    [
        "qwertyuiop12",
        "QWERTYUIOP12",
        "Password1234!",
        "  password   1234  ",
        "iloveyou123456",
        "!!Football2024",
        "monkeymonkeymonkey",
        "aaaaaaaaaaaa",
        "q1w2e3r4t5y6",
        "1111111111111",
    ],
)
def test_common_passwords_are_refused_whatever_their_case_and_padding(password):
    assert is_common(password, COMMON)
    assert "too common" in password_problem(password, "ivy@example.org", COMMON)


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "lantern orchard velvet pebble", "I love my 3 cats!!"],
)
def test_a_few_unrelated_words_are_accepted(password):
    assert password_problem(password, "ivy@example.org", COMMON) is None


def test_spaces_at_either_end_do_not_count_towards_the_length():
    assert "at least 12 characters" in password_problem("   eleven chr   ", "", COMMON)
    assert password_problem("   twelve chars   ", "", COMMON) is None


def test_a_password_of_only_spaces_is_refused():
    assert "spaces on their own" in password_problem(" " * 20, "", COMMON)


def test_the_email_address_is_not_a_password_in_any_case():
    assert "email address" in password_problem(" Ivy@Example.org ", "ivy@example.org", COMMON)


def test_a_very_long_password_is_refused_with_the_limit():
    assert "200 characters or fewer" in password_problem("x" * 150 + " y" * 40, "", COMMON)
