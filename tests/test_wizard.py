"""The route through an assessment, as plain functions of the banks and the answers."""

from __future__ import annotations

import datetime as dt

from hiat import wizard


def screened(**answers: str) -> dict[str, str]:
    return {f"screening_{principle}": answer for principle, answer in answers.items()}


def test_not_sure_keeps_a_principle_in_and_not_at_all_leaves_it_out(banks):
    values = screened(early_years="not_sure", fair_work="not_at_all", prevention="a_little")
    chosen = [p.id for p in wizard.selected_principles(banks, values)]
    assert chosen == ["early_years", "prevention"]


def test_sections_follow_the_hiat_order(banks):
    values = screened(prevention="a_lot", early_years="a_lot")
    ids = [s.id for s in wizard.sections(banks, values)]
    assert ids == [
        "details",
        "screening",
        "populations",
        "early_years",
        "prevention",
        "impact",
        "decision",
    ]


def test_impact_section_is_left_out_until_a_principle_is_screened_in(banks):
    ids = [s.id for s in wizard.sections(banks, {})]
    assert ids == ["details", "screening", "populations", "decision"]


def test_each_principle_has_a_page_per_step(banks):
    values = {**screened(fair_work="a_lot"), "populations_groups": ["se_low_income"]}
    section = wizard.find_section(wizard.sections(banks, values), "fair_work")
    ids = [p.id for p in section.pages]
    # Step 4 holds more than about 40 controls, so it has a second part.
    assert ids == [*(f"fair_work-step-{n}" for n in (1, 2, 3, 4)), "fair_work-step-4-part-2"]
    assert section.pages[0].title.startswith("Step 1: Identify")


def test_next_page_moves_through_the_steps_then_stops(banks):
    all_sections = wizard.sections(banks, screened(fair_work="a_lot"))
    step3 = wizard.find_page(all_sections, "fair_work-step-3")
    assert wizard.next_page(all_sections, step3).id == "fair_work-step-4"
    step4 = wizard.find_page(all_sections, "fair_work-step-4")
    assert wizard.next_page(all_sections, step4).id == "fair_work-step-4-part-2"
    last = wizard.find_page(all_sections, "fair_work-step-4-part-2")
    assert last.title == "Step 4: Analyse wider effects, part 2 of 2"
    assert wizard.next_page(all_sections, last) is None


def test_impact_page_asks_only_about_principles_screened_in(banks):
    all_sections = wizard.sections(banks, screened(fair_work="a_lot"))
    page = wizard.find_page(all_sections, "impact")
    assert {q.principle for q in page.questions} == {"fair_work"}


def test_section_status_moves_from_not_started_to_completed(banks):
    all_sections = wizard.sections(banks, {})
    details = all_sections[0]
    assert wizard.section_status(details, {}, frozenset()) == wizard.NOT_STARTED
    values = {"details_title": "Plan"}
    assert wizard.section_status(details, values, frozenset()) == wizard.IN_PROGRESS
    assert wizard.section_status(details, values, frozenset({"details"})) == wizard.COMPLETED


def test_required_questions_have_messages_that_say_how_to_fix_them(banks):
    missing = wizard.missing_required(banks.details, {})
    assert missing["details_title"] == "Enter the name of the policy"
    assert missing["details_place"] == "Select the place the policy covers"
    assert "details_lead_officer" not in missing


def test_a_reason_is_required_only_for_not_at_all(banks):
    questions = banks.screening
    assert "screening_fair_work_reason" in wizard.missing_required(
        questions, screened(fair_work="not_at_all")
    )
    assert "screening_fair_work_reason" not in wizard.missing_required(
        questions, screened(fair_work="a_lot")
    )


def test_summary_fields_show_the_place_label(banks):
    values = {"details_title": "Plan", "details_organisation": "Halton", "details_place": "halton"}
    assert wizard.summary_fields(values, banks) == {
        "title": "Plan",
        "organisation": "Halton",
        "place": "Halton",
    }


def test_answers_to_questions_not_in_the_bank_are_found(banks):
    assert wizard.retired_answers(banks, {"details_title": 1, "p1_gone": 2}) == ["p1_gone"]


def proportionality(scale="small", people="few", reversible="easy", evidence="good"):
    return {
        "screening_scale": scale,
        "screening_people": people,
        "screening_reversible": reversible,
        "screening_evidence": evidence,
    }


def test_small_reversible_well_understood_decision_gets_a_rapid_recommendation():
    recommendation = wizard.recommend_path(proportionality())
    assert recommendation.path == "rapid"
    assert recommendation.sentence() == (
        "We suggest a rapid assessment because the decision is small, it affects a few hundred "
        "people or fewer, it would be easy to undo and a lot is known about its effect on "
        "health inequalities."
    )


def test_large_or_irreversible_decision_gets_a_full_recommendation_with_reasons():
    recommendation = wizard.recommend_path(proportionality(scale="large", reversible="very_hard"))
    assert recommendation.path == "full"
    assert recommendation.sentence() == (
        "We suggest a full assessment because the decision is large and it would be very hard "
        "to undo, even though it affects a few hundred people or fewer and a lot is known about "
        "its effect on health inequalities."
    )


def test_the_suggestion_names_the_answers_given_not_a_stock_reason():
    # Hard to undo and some evidence: rapid, and the sentence says so rather than "can be undone".
    sentence = wizard.recommend_path(
        proportionality(scale="medium", people="many", reversible="hard", evidence="some")
    ).sentence()
    assert "it would be hard to undo" in sentence and "something is known" in sentence
    assert "can be undone" not in sentence and "well understood" not in sentence


def test_choosing_against_the_suggestion_needs_a_reason(banks):
    values = proportionality(scale="large") | {"screening_path": "rapid"}
    reason = banks.questions["screening_path_reason"]
    assert wizard.missing_required((reason,), values) == {
        "screening_path_reason": reason.required_message
    }
    assert wizard.missing_required((reason,), values | {"screening_path": "full"}) == {}


def test_little_evidence_about_many_people_needs_a_full_assessment():
    assert wizard.recommend_path(proportionality(people="many", evidence="little")).path == "full"
    assert wizard.recommend_path(proportionality(people="few", evidence="little")).path == "rapid"


def test_no_recommendation_until_all_four_answers_are_given():
    values = proportionality()
    del values["screening_evidence"]
    assert wizard.recommend_path(values) is None


def test_rapid_path_asks_only_the_key_questions_of_each_step(banks):
    full = wizard.find_section(wizard.sections(banks, screened(fair_work="a_lot")), "fair_work")
    values = {**screened(fair_work="a_lot"), "screening_path": "rapid"}
    rapid = wizard.find_section(wizard.sections(banks, values), "fair_work")
    # One page for the principle, asking the rapid questions of all four steps, in order.
    assert [p.id for p in rapid.pages] == ["fair_work-rapid"]
    asked = rapid.pages[0].questions
    assert all(q.rapid for q in asked)
    assert [q.step for q in asked] == sorted(q.step for q in asked)
    assert {q.step for q in asked} == {1, 2, 3, 4}
    assert len(asked) < sum(len(p.questions) for p in full.pages)


def test_rapid_page_still_asks_a_question_answered_before_the_path_changed(banks):
    values = {
        **screened(fair_work="a_lot"),
        "screening_path": "rapid",
        "p3_s1_local_jobs": "Care work and retail",
    }
    rapid = wizard.find_section(wizard.sections(banks, values), "fair_work")
    assert "p3_s1_local_jobs" in {q.id for q in rapid.pages[0].questions}


def test_screening_has_a_proportionality_page_before_the_principles(banks):
    screening = wizard.find_section(wizard.sections(banks, {}), "screening")
    assert [p.id for p in screening.pages] == ["proportionality", "path", "screening"]


def test_principles_ticked_in_screening_are_assessed_in_bank_order(banks):
    values = {"screening_principles": ["prevention", "early_years"]}
    chosen = [p.id for p in wizard.selected_principles(banks, values)]
    assert chosen == ["early_years", "prevention"]


def test_each_principle_option_says_what_choosing_it_adds(banks):
    question = banks.questions["screening_principles"]
    for option in question.options:
        principle = banks.principle(option.value)
        rapid = len([q for q in principle.questions if q.rapid and not q.retired])
        full = len([q for q in principle.questions if not q.retired])
        assert option.hint == (
            f"Adds the four steps for this principle: {rapid} questions in a rapid "
            f"assessment, {full} in a full one."
        )


def test_a_reason_is_needed_only_when_a_principle_is_left_out(banks):
    reason = banks.questions[wizard.LEFT_OUT_REASON]
    some = {"screening_principles": ["early_years"]}
    every = {"screening_principles": [p.id for p in banks.principles]}
    assert wizard.missing_required((reason,), some) == {
        reason.id: "Explain why the policy will not affect the principles you did not select"
    }
    assert wizard.missing_required((reason,), every) == {}


def test_an_assessment_screened_with_the_old_questions_keeps_its_principles_ticked(banks):
    values = screened(early_years="a_little", fair_work="not_at_all", prevention="not_sure")
    page = wizard.find_page(wizard.sections(banks, values), "screening")
    suggested = wizard.inferred(banks, values, page.questions, "", dt.date(2026, 12, 2))
    assert suggested["screening_principles"] == ["early_years", "prevention"]


def test_the_tool_suggests_the_organisation_the_path_and_a_review_a_year_after_the_decision(
    banks,
):
    values = {
        "screening_scale": "small",
        "screening_people": "many",
        "screening_reversible": "hard",
        "screening_evidence": "some",
        "details_decision_date": "2027-03-25",
    }
    questions = tuple(banks.questions[q] for q in ("details_organisation", "screening_path"))
    today = dt.date(2026, 12, 2)
    assert wizard.inferred(banks, values, questions, "Sefton Council", today) == {
        "details_organisation": "Sefton Council",
        "screening_path": "rapid",
    }
    review = (banks.questions["decision_review_date"],)
    assert wizard.inferred(banks, values, review, "", today) == {
        "decision_review_date": "2028-03-25"
    }
    # An answer already given is never replaced.
    answered = {**values, "decision_review_date": "2027-09-01"}
    assert wizard.inferred(banks, answered, review, "", today) == {}


def test_principles_offer_the_groups_chosen_for_the_policy_and_the_own_named(banks):
    values = {
        "screening_principles": ["early_years"],
        "populations_groups": ["se_low_income", "core20"],
        "populations_own_groups": "People who use the library to get online\n\n- Lone fathers\n",
        "p1_s1_groups": ["pc_disability"],
    }
    page = wizard.find_page(wizard.sections(banks, values), "early_years-step-1")
    groups = next(q for q in page.questions if q.id == "p1_s1_groups")
    # Core20 repeats the most deprived 20%, so that group is offered in its place; a group
    # this question already holds stays on offer.
    assert groups.offered == (
        "se_imd_q1",
        "se_low_income",
        "own:People who use the library to get online",
        "own:Lone fathers",
        "pc_disability",
    )
