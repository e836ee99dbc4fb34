"""Move a whole assessment between services as JSON: export, and import as a new one.

The format is versioned and described by hiat/schemas/assessment-export-v1.schema.json.
An import is checked in full before anything is written, so a bad file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator

from hiat.example import check_value
from hiat.questions import Banks
from hiat.store import Answer, Assessment, NewAnswer

FORMAT = "hiat-assessment"
FORMAT_VERSION = 1
MAX_BYTES = 1024 * 1024
# An export nests five deep (document, answers, answer, rows, row); anything much deeper
# is not one, and is refused before the schema check walks it.
MAX_DEPTH = 10
SCHEMA_PATH = Path(__file__).parent / "schemas" / "assessment-export-v1.schema.json"


class TransferError(ValueError):
    """A file that cannot be imported, with a message that says how to fix it."""


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def export_document(
    assessment: Assessment, exported_at: dt.datetime, record: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The assessment as a JSON-ready document. Answers are sorted, so output is stable.

    With `record` (store.assessment_record) the file is the full record: its status, every
    change, comments, sign-offs and shares, which an import brings back.
    """
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "assessment": {
            "id": assessment.uid,
            "title": assessment.title,
            "revision": assessment.revision,
            "bank_version": assessment.bank_version,
            "created_at": assessment.created_at,
            "updated_at": assessment.updated_at,
        },
        "answers": [
            {
                "question_id": answer.question_id,
                "value": answer.value,
                "label": answer.label,
                "option_labels": dict(answer.option_labels),
            }
            for answer in sorted(assessment.answers.values(), key=lambda a: a.question_id)
        ],
        "completed_sections": sorted(assessment.completed_sections),
    }
    if record is not None:
        document["record"] = record
    return document


def signed_snapshot(assessment: Assessment, signed_at: dt.datetime) -> dict[str, Any]:
    """The document a sign-off keeps: the assessment as signed, with the signed review of
    the revision before it, so every later render of the statement shows that update."""
    document = export_document(assessment, signed_at)
    if assessment.previous_review:
        document["previous_review"] = dict(assessment.previous_review)
    return document


def to_json(
    assessment: Assessment, exported_at: dt.datetime, record: dict[str, Any] | None = None
) -> bytes:
    document = export_document(assessment, exported_at, record)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def read_document(raw: bytes, banks: Banks) -> dict[str, Any]:
    """Parse and check an uploaded file; raise TransferError saying what is wrong."""
    if len(raw) > MAX_BYTES:
        raise TransferError("The selected file must be smaller than 1 MB")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TransferError(
            "The selected file is not a JSON file exported from this service"
        ) from err
    except RecursionError as err:
        raise TransferError(_TOO_DEEP) from err
    _check_text(document)
    _check_format(document)
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path) or "the file"
        raise TransferError(
            f"The selected file is damaged: {where} is not in the expected form. "
            "Export the assessment again and import the new file"
        )
    _check_answers(document, banks)
    return document


_TOO_DEEP = (
    "The selected file is not an assessment exported from this service: it has lists "
    "inside lists nested too deeply"
)


def _check_text(document: Any) -> None:
    """Refuse a file nested too deeply, or with text UTF-8 cannot hold.

    JSON lets a file write half of a UTF-16 pair ("\\ud800"); Python reads it as a lone
    surrogate, which the database, the pages and every download would then fail on. The
    walk uses its own stack, so no depth the parser accepted can overflow Python's.
    """
    stack: list[tuple[Any, tuple[str, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise TransferError(_TOO_DEEP)
        if isinstance(value, dict):
            items = list(value.items())
            if not all(_is_unicode(key) for key in value):
                _unreadable(path)
        elif isinstance(value, list):
            items = [(str(index), item) for index, item in enumerate(value)]
        else:
            if isinstance(value, str) and not _is_unicode(value):
                _unreadable(path)
            continue
        stack.extend((item, (*path, key)) for key, item in items)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unreadable(path: tuple[str, ...]) -> None:
    where = "/".join(path) or "the file"
    raise TransferError(
        f"The selected file is damaged: {where} has characters that cannot be read. "
        "Export the assessment again and import the new file"
    )


def _check_format(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferError("The selected file is not an assessment exported from this service")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise TransferError(
            f"The selected file uses version {version} of the export format. "
            f"This service reads version {FORMAT_VERSION}"
        )


def _check_answers(document: dict[str, Any], banks: Banks) -> None:
    seen: set[str] = set()
    for answer in document["answers"]:
        qid = answer["question_id"]
        if qid in seen:
            raise TransferError(f"The selected file answers question '{qid}' twice")
        seen.add(qid)
        # Answers to questions the bank no longer has are kept as they are.
        problem = check_value(banks, qid, answer["value"]) if qid in banks.questions else None
        if problem:
            raise TransferError(
                f"The answer to question '{qid}' in the selected file does not "
                f"fit this service's questions ({problem})"
            )


def snapshot_assessment(document: dict[str, Any], uid: str) -> Assessment:
    """An exported document (such as a sign-off snapshot) as a read-only assessment."""
    answers = {
        a["question_id"]: Answer(
            a["question_id"], a["value"], a["label"], MappingProxyType(a["option_labels"]), ""
        )
        for a in document["answers"]
    }
    meta = document["assessment"]
    return Assessment(
        id=0,
        uid=uid,
        title=meta["title"],
        organisation="",
        place="",
        status="approved",
        bank_version=meta["bank_version"],
        created_at=meta.get("created_at", ""),
        updated_at=meta.get("updated_at", ""),
        answers=MappingProxyType(answers),
        completed_sections=frozenset(document["completed_sections"]),
        revision=meta["revision"],
        previous_review=document.get("previous_review"),
    )


def new_answers(document: dict[str, Any]) -> list[NewAnswer]:
    return [
        NewAnswer(a["question_id"], a["value"], a["label"], a["option_labels"])
        for a in document["answers"]
    ]
