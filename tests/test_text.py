"""The text rules every output shares: line breaks, blank values, bidi controls, articles."""

from __future__ import annotations

import pytest

from hiat.text import clean, close_bidi, is_blank, newlines, with_article


def test_a_lone_carriage_return_is_a_line_break():
    assert newlines("a\rb\r\nc\nd") == "a\nb\nc\nd"


@pytest.mark.parametrize("text", [None, "", "   ", "\u00a0\u200b", "\ufeff\u2060 \u00ad"])
def test_spaces_and_invisible_characters_count_as_blank(text):
    assert is_blank(text)


def test_a_visible_character_is_not_blank():
    assert not is_blank(" a\u200b")


def test_an_unclosed_override_is_closed_and_a_closed_one_left_alone():
    assert close_bidi("a\u202eb") == "a\u202eb\u202c"
    assert close_bidi("a\u202eb\u202cc") == "a\u202eb\u202cc"
    assert close_bidi("a\u2067b\u202ac") == "a\u2067b\u202ac\u202c\u2069"
    assert close_bidi("\u202c\u2069stray closers") == "\u202c\u2069stray closers"


def test_clean_closes_bidi_on_every_line_and_drops_control_characters():
    assert clean("x\u202ey\rz\x00") == "x\u202ey\u202c\nz"


@pytest.mark.parametrize(
    ("role", "words"),
    [("approver", "an approver"), ("author", "an author"), ("reviewer", "a reviewer")],
)
def test_role_words_take_the_right_article(role, words):
    assert with_article(role) == words
