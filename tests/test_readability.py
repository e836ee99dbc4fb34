"""Question labels and hints, in every wording for a kind of decision, read as plain English.

Threshold, and why: the Government Digital Service and DOMAIN.md aim for a reading age
of about 12 for questions. Flesch-Kincaid grade 7 is about reading age 12-13. Scores
of single short sentences are noisy, so we hold each bank file's labels and hints,
taken together, to grade 7 or below and a Flesch reading ease of 60 or more
("plain English"), and allow no single question above grade 12 (reading age 17).
textstat is pinned at 0.7.3, which counts syllables with pyphen and works offline.
"""

from __future__ import annotations

import pytest
import textstat

FILE_GRADE = 7.0
FILE_EASE = 60.0
QUESTION_GRADE = 12.0


def worded(question):
    """The question as written, then as worded for each kind of decision it has a variant for."""
    yield question
    for variant in question.variants:
        yield question.for_kind(variant.kinds[0])


def texts_by_file(banks) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for question in banks.questions.values():
        for wording in worded(question):
            grouped.setdefault(question.file, []).append(f"{wording.label} {wording.hint}")
    return grouped


@pytest.mark.parametrize(
    "name", ["details.toml", "screening.toml", "decision.toml"] + [f"p{n}" for n in range(1, 9)]
)
def test_each_bank_file_reads_at_reading_age_twelve(banks, name):
    grouped = texts_by_file(banks)
    files = [f for f in grouped if f == name or f.startswith(f"{name}_")]
    assert len(files) == 1, name
    text = " ".join(grouped[files[0]])
    assert textstat.flesch_kincaid_grade(text) <= FILE_GRADE
    assert textstat.flesch_reading_ease(text) >= FILE_EASE


def test_no_single_question_is_hard_to_read(banks):
    hard = {
        f"{w.id} ({w.label})": textstat.flesch_kincaid_grade(f"{w.label} {w.hint}")
        for q in banks.questions.values()
        for w in worded(q)
    }
    assert {qid: grade for qid, grade in hard.items() if grade > QUESTION_GRADE} == {}
