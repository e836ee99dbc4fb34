"""Plain-text rules that every output shares: line breaks, blank values, bidi controls.

Used by the forms (what counts as empty), the statement renderers (markdown and
HTML) and the Word and CSV writers, so a value behaves the same in every format.
No Flask, no I/O.
"""

from __future__ import annotations

import re

# Control characters other than tab and newline carry no meaning in a statement.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Characters that show nothing: zero-width space and joiners, word joiner, byte order mark,
# and the bidi controls themselves. A value made only of these and spaces is empty.
INVISIBLE = (
    "\u00ad\u115f\u1160\u180e\u200b\u200c\u200d\u2060\u2800\u3164\uffa0\ufeff"
    "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
)
BLANK = re.compile(rf"[\s{INVISIBLE}]*")
# Bidi embeddings and overrides (closed by U+202C) and isolates (closed by U+2069).
EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
ISOLATES = frozenset("\u2066\u2067\u2068")
POP_EMBEDDING = "\u202c"
POP_ISOLATE = "\u2069"


def newlines(text: str) -> str:
    """CRLF and a lone CR are line breaks, as LF: a CR on its own must not merge two words."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(text: str | None) -> bool:
    """True for None and for text of only spaces, non-breaking spaces or invisible characters."""
    return text is None or BLANK.fullmatch(text) is not None


def close_bidi(line: str) -> str:
    """Close every bidi embedding, override or isolate the line leaves open.

    An unclosed U+202E in a cell would display the rest of the line reversed, in
    whatever comes after it. Follows the pairing of UAX #9: U+202C closes the last
    embedding unless an isolate is open inside it; U+2069 closes the last isolate and
    every embedding inside it; an unmatched closer changes nothing.
    """
    if not any(c in EMBEDDINGS or c in ISOLATES for c in line):
        return line
    stack: list[str] = []
    for char in line:
        if char in EMBEDDINGS:
            stack.append(POP_EMBEDDING)
        elif char in ISOLATES:
            stack.append(POP_ISOLATE)
        elif char == POP_EMBEDDING and stack and stack[-1] == POP_EMBEDDING:
            stack.pop()
        elif char == POP_ISOLATE and POP_ISOLATE in stack:
            while stack.pop() != POP_ISOLATE:
                pass
    return line + "".join(reversed(stack))


def close_bidi_lines(text: str) -> str:
    """close_bidi on every line of a text, so no line leaks direction into the next."""
    return "\n".join(close_bidi(line) for line in text.split("\n"))


def clean(text: str) -> str:
    """One value made safe to show: LF line breaks, no control characters, bidi closed per line."""
    return close_bidi_lines(CONTROL.sub("", newlines(text)))


def with_article(word: str) -> str:
    """ "an approver", "an author", "a reviewer", "a viewer"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
