"""Routes for the question pages and each section's check answers.

A new assessment starts on the details page, before it has an id, so its route is here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from hiat import errors, forms, store, ui, wizard
from hiat.access import account, banks, example_assessment, load, related, require_author, role_on
from hiat.questions import IMPACT_PARTS

bp = Blueprint("pages", __name__)
SAVED_MESSAGE = "Your answers have been saved. You can come back to them at any time."
EXPIRED_MESSAGE = (
    "Your answers on this page were not saved because the page had expired. "
    "We have kept what you typed: check it and save again."
)


# ---------------------------------------------------------------- question pages
@bp.route("/assessments/new", methods=["GET", "POST"])
def new_assessment():
    require_author()
    return _question_page(*_page_for_request())


@bp.route("/assessments/<uid>/pages/<page_id>", methods=["GET", "POST"])
def question_page(uid: str, page_id: str):
    assessment, page = _page_for_request()
    if page is None:
        abort(404)
    return _question_page(assessment, page)


def _page_for_request() -> tuple[store.Assessment | None, wizard.Page | None]:
    """The assessment and page a question-page URL points at."""
    if request.endpoint == "pages.new_assessment":
        return None, wizard.find_page(wizard.sections(banks(), {}), "details")
    assessment = load(request.view_args["uid"], edit=True)
    all_sections = wizard.sections(banks(), assessment.values())
    return assessment, wizard.find_page(all_sections, request.view_args["page_id"])


def _question_page(assessment: store.Assessment | None, page: wizard.Page):
    form_class = forms.form_class(page.questions, banks())
    if request.method == "POST" and request.form.get("add", request.form.get("remove")):
        return _edit_rows(assessment, page, form_class)
    if request.method == "GET":
        values = assessment.values() if assessment else {}
        suggested = wizard.inferred(
            banks(), values, page.questions, account().organisation, dt.date.today()
        )
        data = forms.form_data(page.questions, {**values, **suggested}, banks())
        data["lock_version"] = str(assessment.page_version(page.id) if assessment else 0)
        data["loaded_answers"] = forms.answer_marks(page.questions, values)
        return _render_page(assessment, page, form_class(formdata=None, data=data))
    form = form_class()
    valid = form.validate_on_submit()
    # Check required answers even when a format is wrong, so every error shows at once.
    if not _missing_required(form, page, assessment) and valid:
        try:
            return _save_page(assessment, page, form)
        except store.DatabaseUnavailable as err:
            # The page comes back with everything typed, so nothing is lost but the save.
            current_app.logger.error("Database unavailable: %s", err)
            return _render_page(assessment, page, form, not_saved=True), 503
    return _render_page(assessment, page, form)


def _edit_rows(assessment, page, form_class):
    """Add or remove a repeating row; nothing is saved until the user saves.

    The page comes back with focus on the new row, on the row now in the removed
    one's place, or on "Add another" when the last row went.
    """
    action = "add" if request.form.get("add") else "remove"
    value = request.form[action]
    form = form_class(formdata=forms.edit_rows(request.form, action, value))
    question_id, index = forms.edited_row(action, value)
    question = next((q for q in page.questions if q.id == question_id and q.columns), None)
    if question is None or (action == "remove" and index is None):
        return _render_page(assessment, page, form)
    rows = form[question.id]
    if action == "add" and len(rows.entries) >= forms.MAX_ROWS:
        rows.errors = [forms.row_limit_reached(question.label)]
        return _render_page(assessment, page, form)
    if action == "add":
        rows.append_entry()
        index = len(rows.entries) - 1
    done = "added" if action == "add" else "removed"
    focus = RowFocus(
        question.id,
        index if index < len(rows.entries) else None,
        f"{ui.row_noun(question)} {index + 1} {done}",
    )
    return _render_page(assessment, page, form, focus)


def _missing_required(form: forms.PageForm, page: wizard.Page, assessment=None) -> bool:
    """On "Save and continue", add an error to each required question left empty.

    Other pages' answers count too: whether a reason is needed can depend on them.
    """
    if request.form.get("save") == "later":
        return False
    values = {a.question_id: a.value for a in forms.new_answers(page.questions, form, banks())}
    saved = assessment.values() if assessment else {}
    missing = wizard.missing_required(page.questions, {**saved, **values})
    for question_id, message in missing.items():
        form[question_id].errors = [*form[question_id].errors, message]
    return bool(missing)


def _save_page(assessment, page: wizard.Page, form: forms.PageForm):
    db = store.get_db()
    answers = forms.new_answers(page.questions, form, banks())
    values = {
        **(assessment.values() if assessment else {}),
        **{a.question_id: a.value for a in answers},
    }
    summary = wizard.summary_fields(values, banks()) if page.id == "details" else None
    if assessment is None:
        uid = store.create_assessment(
            db,
            banks().version,
            summary or {},
            answers,
            page=page.id,
            organisation_id=account().organisation_id,
            editor=account().id,
        )
    else:
        uid = assessment.uid
        # Only what this user changed is written, so nobody else's answers are undone.
        answers = form.changed(answers)
        try:
            store.save_answers(
                db,
                uid,
                answers,
                page=page.id,
                bank_version=banks().version,
                summary=summary,
                # Nothing changed, nothing to conflict with.
                expected_version=form.loaded_version() if answers else None,
                by=account().name,
                editor=account().id,
            )
        except store.EditConflict as conflict:
            return _conflict_page(assessment, page, answers, conflict)
    if request.form.get("save") == "later":
        flash(SAVED_MESSAGE, "success")
        return redirect(url_for("assessments.task_list", uid=uid))
    if request.form.get("save") == "complete":
        done = assessment.completed_sections if assessment else frozenset()
        return redirect(_complete_section(uid, values, page, done))
    return redirect(_after_save(uid, values, page))


def _complete_section(uid: str, values: dict, page: wizard.Page, done: frozenset[str]) -> str:
    """ "Save and mark as completed" on a section's last page: on to the next section.

    If an answer the section needs is missing, check answers lists each one instead.
    """
    all_sections = wizard.sections(banks(), values)
    section = wizard.find_section(all_sections, page.section_id)
    if section is None or list(_missing_answers(uid, section, values)):
        return url_for("pages.check_answers", uid=uid, section_id=page.section_id, complete="yes")
    store.set_section_complete(store.get_db(), uid, section.id, True)
    completed = done | {section.id}
    following = next(
        (s for s in all_sections if s.id not in completed and s.pages),
        None,
    )
    flash(f"{section.title}: completed.", "success")
    if following is None or wizard.all_completed(all_sections, completed):
        return url_for("assessments.task_list", uid=uid)
    return url_for("pages.question_page", uid=uid, page_id=following.pages[0].id)


def _conflict_page(
    assessment, page: wizard.Page, mine: list[store.NewAnswer], conflict: store.EditConflict
):
    """Both versions side by side; the user chooses. Nothing has been saved yet."""
    differences = [
        (
            answer.label,
            store.Answer(answer.question_id, answer.value, answer.label, answer.option_labels, ""),
            conflict.theirs.get(answer.question_id),
        )
        for answer in mine
        if (answer.value or None)
        != (
            conflict.theirs[answer.question_id].value
            if answer.question_id in conflict.theirs
            else None
        )
    ]
    kept = [
        (key, value)
        for key, values in request.form.lists()
        if key not in ("csrf_token", "lock_version", "save")
        for value in values
    ]
    return render_template(
        "conflict.html",
        assessment=assessment,
        page=page,
        differences=differences,
        kept=kept,
        version=conflict.version,
        form=forms.HiatForm(),
        action=request.full_path.rstrip("?"),
    ), 409


def _after_save(uid: str, values: dict, page: wizard.Page) -> str:
    if request.args.get("return") == "check":
        return url_for("pages.check_answers", uid=uid, section_id=page.section_id)
    following = wizard.next_page(wizard.sections(banks(), values), page)
    if following is not None:
        return url_for("pages.question_page", uid=uid, page_id=following.id)
    return url_for("pages.check_answers", uid=uid, section_id=page.section_id)


def _render_page(
    assessment,
    page: wizard.Page,
    form: forms.PageForm,
    focus: RowFocus | None = None,
    not_saved: bool = False,
):
    if assessment is None:
        action = url_for("pages.new_assessment")
        back = url_for("site.start")
    else:
        action = url_for(
            "pages.question_page",
            uid=assessment.uid,
            page_id=page.id,
            **({"return": "check"} if request.args.get("return") == "check" else {}),
        )
        back = url_for("assessments.task_list", uid=assessment.uid)
    values = assessment.values() if assessment else {}
    # A section's last page can mark the section completed; not when editing from check answers.
    last = (
        request.args.get("return") != "check"
        and wizard.next_page(wizard.sections(banks(), values), page) is None
    )
    # The place as chosen on this page, even before it is saved; else the saved one.
    place = form["details_place"].data if "details_place" in form else None
    place = place or values.get("details_place")
    return render_template(
        "question_page.html",
        example=example_assessment(),
        place=place,
        page_figures=banks().figures_for_page((q.id for q in page.questions), place),
        place_labels={o.value: o.label for o in banks().places},
        today=dt.date.today(),
        assessment=assessment,
        page=page,
        form=form,
        action=action,
        back=back,
        recommendation=wizard.recommend_path(values),
        focus=focus,
        last_page=last,
        row_anchor=forms.row_anchor,
        # Any POST shown again holds what the user typed and nothing saved.
        unsaved=request.method == "POST",
        not_saved=not_saved,
        **(related(assessment) if assessment and 4 in _steps_of(page) else {"related": ()}),
    )


def _steps_of(page: wizard.Page) -> set[int]:
    return {page.step} if page.step else {s.number for s in page.steps}


@dataclass(frozen=True, slots=True)
class RowFocus:
    """Where "Add another" or "Remove" leaves the user, and what a screen reader hears."""

    question_id: str
    row: int | None  # None: the "Add another" button, once the last row has gone
    message: str


# ---------------------------------------------------------------- check answers
@bp.route("/assessments/<uid>/sections/<section_id>/check", methods=["GET", "POST"])
def check_answers(uid: str, section_id: str):
    assessment = load(uid, edit=request.method == "POST")
    values = assessment.values()
    section = wizard.find_section(wizard.sections(banks(), values), section_id)
    if section is None:
        abort(404)
    form = _CheckAnswersForm()
    if request.method == "GET" and request.args.get("complete") == "yes":
        # Sent here by "Save and mark as completed" with answers missing: list each one.
        form.completed.data = "yes"
        _can_mark(form, uid, section, values)
    elif request.method == "GET":
        form.completed.data = "yes" if section_id in assessment.completed_sections else None
    elif form.validate_on_submit() and _can_mark(form, uid, section, values):
        store.set_section_complete(store.get_db(), uid, section_id, form.completed.data == "yes")
        return redirect(url_for("assessments.task_list", uid=uid))
    return render_template(
        "check_answers.html",
        assessment=assessment,
        section=section,
        form=form,
        can_edit=role_on(assessment) == "author" and assessment.status == store.DRAFT,
        is_author=role_on(assessment) == "author",
        can_comment=role_on(assessment) in ("author", "reviewer", "approver"),
        unanswered=_unanswered(assessment, section),
        harms=_harms_in(section, values),
        comments=store.list_comments(store.get_db(), uid, section_id),
        comment_form=forms.CommentForm(formdata=None),
    )


def _harms_in(section: wizard.Section, values) -> tuple:
    """Negative or widening ratings with no action, among the principles this section covers."""
    harms = wizard.harm_without_action(banks(), values)
    if section.id == "impact":
        return harms
    return tuple(p for p in harms if section.principle and p.id == section.principle.id)


class _CheckAnswersForm(forms.SectionCompleteForm):
    """Its error summary lists every answer still missing, each linking to its own field."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.missing: list[dict[str, str]] = []

    def error_list(self) -> list[dict[str, str]]:
        return self.missing or super().error_list()


def _can_mark(form: _CheckAnswersForm, uid: str, section: wizard.Section, values) -> bool:
    if form.completed.data not in ("yes", "no"):
        form.completed.errors = ["Select whether you have completed this section"]
        return False
    if form.completed.data == "no":
        return True
    form.missing = list(_missing_answers(uid, section, values))
    if form.missing:
        which = "the question" if len(form.missing) == 1 else "the questions"
        form.completed.errors = [
            f"Answer {which} listed at the top of the page before you mark this section "
            "as completed"
        ]
    return not form.missing


def _missing_answers(uid: str, section: wizard.Section, values) -> Iterator[dict[str, str]]:
    """Every required answer left empty, and every part a rating lacks, in page order."""
    for page in section.pages:
        missing = wizard.missing_required(page.questions, values)
        for question in page.questions:
            if question.id in missing:
                yield {"text": missing[question.id], "href": _field_href(uid, page, question)}
            elif question.type == "impact_rating":
                messages = forms.impact_part_messages(question, banks())
                for part in forms.missing_impact_parts(values.get(question.id)):
                    href = _field_href(uid, page, question, part)
                    yield {"text": messages[part], "href": href}


def _unanswered(assessment: store.Assessment, section: wizard.Section) -> dict[str, dict]:
    """For each question with no answer: an "Enter …" link to its field."""
    return {
        question.id: {
            "text": wizard.enter_prompt(question),
            "href": _field_href(assessment.uid, page, question),
        }
        for page in section.pages
        for question in page.questions
        if not wizard.is_answered(assessment.value(question.id))
    }


def _field_href(uid: str, page: wizard.Page, question, part: str = "") -> str:
    """The question's first box on its page; after saving, the user comes back here."""
    url = url_for("pages.question_page", uid=uid, page_id=page.id, **{"return": "check"})
    return f"{url}#{_field_id(question, part)}"


def _field_id(question, part: str = "") -> str:
    """The id the question page gives the field's first box (and the error summary uses)."""
    if question.type == "impact_rating":
        return f"{question.id}-{part or IMPACT_PARTS[0]}"
    if question.columns:
        first = question.columns[0]
        return f"{question.id}-0-{first.id}" + ("-day" if first.type == "date" else "")
    return question.id + ("-day" if question.type == "date" else "")


def _expired_question_page():
    """Show the user's unsaved answers again with a fresh token, so nothing typed is lost."""
    assessment, page = _page_for_request()
    if page is None:
        abort(404)
    form = forms.form_class(page.questions, banks())(formdata=request.form)
    flash(EXPIRED_MESSAGE, "important")
    return _render_page(assessment, page, form)


@bp.errorhandler(CSRFError)
def csrf_error(_err: CSRFError):
    """An expired question page comes back with what was typed; anything else, the usual page."""
    if request.endpoint in ("pages.question_page", "pages.new_assessment"):
        return _expired_question_page(), 400
    return errors.error("csrf", 400)
