"""Changing the question bank needs no Python change, and never loses a saved answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hiat import create_app
from tests.conftest import (
    DETAILS,
    QUESTIONS,
    loaded_version,
    screening_data,
    signed_in_client,
    uid_from,
)

NEW_QUESTION = """
[[questions]]
id = "p1_s1_new_question"
step = 1
type = "radios"
label = "Does the plan reach every children's centre?"
statement = "Children's centres reached"
hint = "Choose one."
guidance = "**Why it matters.** Children's centres reach families early."
options = [
  { value = "all", label = "All of them" },
  { value = "some", label = "Some of them" },
]
"""


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(QUESTIONS, target)
    return target


def make_app(tmp_path: Path, bank_dir: Path):
    return create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "t",
            "DATABASE": str(tmp_path / "hiat.db"),
            "QUESTIONS_DIR": str(bank_dir),
        },
        instance_path=str(tmp_path / "instance"),
    )


def start(client) -> str:
    uid = uid_from(client.post("/assessments/new", data=DETAILS).headers["Location"])
    client.post(f"/assessments/{uid}/pages/screening", data=screening_data(("early_years",)))
    groups = {"populations_groups": ["se_imd_q1", "pc_disability"], "save": "continue"}
    client.post(f"/assessments/{uid}/pages/populations", data=groups)
    return uid


def test_a_question_added_to_a_bank_file_is_asked_saved_and_reported(tmp_path, bank_dir):
    with (bank_dir / "p1_early_years.toml").open("a", encoding="utf-8") as handle:
        handle.write(NEW_QUESTION)
    client = signed_in_client(make_app(tmp_path, bank_dir))
    uid = start(client)
    url = f"/assessments/{uid}/pages/early_years-step-1"
    assert "Does the plan reach every children" in client.get(url).get_data(as_text=True)
    client.post(url, data={"p1_s1_new_question": "some", "save": "continue"})
    statement = client.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    assert "#### Children's centres reached\n\nSome of them" in statement


@pytest.mark.parametrize("how", ["retired", "removed"])
def test_answer_to_a_question_that_leaves_the_bank_is_kept_and_shown(tmp_path, bank_dir, how):
    first = signed_in_client(make_app(tmp_path, QUESTIONS))
    uid = start(first)
    first.post(
        f"/assessments/{uid}/pages/early_years-step-1",
        data={"p1_s1_settings": "yes", "p1_s1_causes_detail": "Cold homes", "save": "continue"},
    )

    path = bank_dir / "p1_early_years.toml"
    text = path.read_text(encoding="utf-8")
    start_at = text.index('id = "p1_s1_settings"')
    if how == "retired":
        text = text[:start_at] + "retired = true\n" + text[start_at:]
    else:
        # The worked example would name the removed question; that case has its own test.
        shutil.rmtree(bank_dir / "worked_example")
        end = text.index("[[questions]]", start_at)
        text = text[: text.rindex("[[questions]]", 0, start_at)] + text[end:]
    path.write_text(text, encoding="utf-8")
    second = signed_in_client(make_app(tmp_path, bank_dir))

    page = second.get(f"/assessments/{uid}/pages/early_years-step-1").get_data(as_text=True)
    assert "Does the policy touch places where young children spend time?" not in page
    url = f"/assessments/{uid}/pages/early_years-step-1"
    second.post(
        url,
        data={
            "p1_s1_causes_detail": "Cold, damp homes",
            "lock_version": loaded_version(second, url),
            "save": "continue",
        },
    )

    task_list = second.get(f"/assessments/{uid}").get_data(as_text=True)
    assert "Answers to retired questions" in task_list
    assert "Does the policy touch places where young children spend time?" in task_list
    statement = second.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    retired = statement[statement.index("## Answers to retired questions") :]
    assert "### Does the policy touch places where young children spend time?\n\nYes" in retired
    assert "Cold, damp homes" in statement
