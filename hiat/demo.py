"""Demo data for development and benchmarks: `flask --app app seed-demo --n N --password P`.

Generation is pure: `generate(banks, n, seed)` gives the same assessments for the same seed,
answered only with values the bank accepts. `write(...)` saves them through the store's own
functions, with a sign-off record for each approved one. The seed refuses a database that
holds any account it did not make (see `refusal`), so it can never mix with real work.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hiat import store, transfer, wizard
from hiat.example import labelled_answers
from hiat.forms import ATTESTATION
from hiat.questions import Banks, Principle

REGION = "cheshire_and_merseyside"
NHS = "NHS Cheshire and Merseyside"
TRUST = "Mersey Care NHS Foundation Trust"
COUNCILS = {
    "cheshire_east": "Cheshire East Council",
    "cheshire_west_and_chester": "Cheshire West and Chester Council",
    "halton": "Halton Borough Council",
    "knowsley": "Knowsley Council",
    "liverpool": "Liverpool City Council",
    "sefton": "Sefton Council",
    "st_helens": "St Helens Borough Council",
    "warrington": "Warrington Borough Council",
    "wirral": "Wirral Council",
}
ORGANISATIONS = (*COUNCILS.values(), NHS, TRUST)
# Places the trust's community and mental health services cover.
TRUST_PLACES = ("liverpool", "sefton", "knowsley", "halton", "st_helens", "warrington")
PLACE_NAMES = {REGION: "Cheshire and Merseyside"}

ADMIN_EMAIL = "admin@example.org"
DEMO_DOMAIN = "example.org"  # RFC 2606: no real person has an address here
FIRST_DAY, LAST_DAY = dt.date(2025, 4, 1), dt.date(2027, 3, 31)
# In turn, about 45% drafts, 20% in review and 35% approved. Counted in a cycle of 20
# that does not divide the 11 organisations, so each organisation gets every status.
STATUSES = ("draft", "approved", "in_review", "draft", "approved") * 2 + (
    "draft",
    "approved",
    "draft",
    "in_review",
    "approved",
    "draft",
    "draft",
    "approved",
    "in_review",
    "draft",
)
ARCHIVE_EVERY = 16  # one in 16 is archived, whatever its status
PROGRESS_EVERY = 1000

# Kinds of decision, with titles ({place}, {year}, {years}, {count}), what the policy does
# (for the summary), the principles it touches, the groups it reaches and how it leans.
HARM, MIXED, BENEFIT = "harm", "mixed", "benefit"


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    title: str
    does: str
    principles: tuple[str, ...]
    groups: tuple[str, ...]
    lean: str


TEMPLATES = (
    Template(
        "cut_closure",
        "Closing {count} libraries in {place}",
        "close {count} branch libraries and move their stock to the central library",
        ("education_skills", "healthy_places", "early_years"),
        ("se_low_income", "se_digitally_excluded", "pc_age", "pc_disability", "local_children"),
        HARM,
    ),
    Template(
        "cut_closure",
        "Ending the community transport grant in {place}",
        "end the grant that pays for dial-a-ride and community minibus services",
        ("healthy_places", "prevention", "fair_work"),
        ("se_no_car", "pc_age", "pc_disability", "local_carers", "se_low_income"),
        HARM,
    ),
    Template(
        "cut_closure",
        "Reducing children's centre opening hours in {place}",
        "cut the opening hours of children's centres from five days a week to three",
        ("early_years", "education_skills", "living_standard"),
        ("local_lone_parents", "pc_pregnancy_maternity", "se_low_income", "local_children"),
        HARM,
    ),
    Template(
        "charges_eligibility",
        "Council Tax Support scheme {years} in {place}",
        "lower the most Council Tax Support can pay for working-age households",
        ("living_standard", "fair_work", "prevention"),
        ("se_low_income", "pc_disability", "local_lone_parents", "local_carers", "se_imd_q1"),
        HARM,
    ),
    Template(
        "charges_eligibility",
        "New charges for garden waste collection in {place}",
        "charge each household a yearly fee for collecting garden waste",
        ("living_standard", "environment_sustainability"),
        ("se_low_income", "pc_age", "pc_disability"),
        MIXED,
    ),
    Template(
        "charges_eligibility",
        "Changes to home care charges in {place}",
        "change how much people pay towards their home care after a financial assessment",
        ("living_standard", "prevention"),
        ("pc_age", "pc_disability", "local_carers", "se_low_income"),
        HARM,
    ),
    Template(
        "strategy_plan",
        "{place} Health and Wellbeing Strategy {years}",
        "set the priorities of the Health and Wellbeing Board for the next five years",
        ("early_years", "fair_work", "living_standard", "prevention", "healthy_places"),
        ("se_imd_q1", "se_low_income", "pc_race", "pc_disability", "ih_homeless"),
        BENEFIT,
    ),
    Template(
        "strategy_plan",
        "{place} Housing Strategy {years}",
        "plan new affordable homes and better standards in private rented housing",
        ("living_standard", "healthy_places", "prevention"),
        ("se_private_renters", "se_fuel_poor", "ih_homeless", "se_low_income"),
        BENEFIT,
    ),
    Template(
        "strategy_plan",
        "Green Plan {years} for {place}",
        "cut carbon from buildings and travel, with warm homes and cleaner air first",
        ("environment_sustainability", "healthy_places", "living_standard"),
        ("se_fuel_poor", "se_no_car", "se_imd_q1", "local_children"),
        MIXED,
    ),
    Template(
        "new_service",
        "A new community diagnostic centre in {place}",
        "open a diagnostic centre for scans and tests in a shopping centre",
        ("prevention", "healthy_places"),
        ("se_imd_q1", "pc_age", "se_no_car", "plus_multimorbidity"),
        BENEFIT,
    ),
    Template(
        "new_service",
        "Expanding the stop smoking service in {place}",
        "offer stop smoking support in pharmacies, maternity wards and mental health wards",
        ("prevention", "early_years"),
        ("se_imd_q1", "pc_pregnancy_maternity", "plus_multimorbidity", "se_low_income"),
        BENEFIT,
    ),
    Template(
        "delivery_change",
        "Moving benefits advice online in {place}",
        "replace face-to-face benefits advice with an online form and a phone line",
        ("living_standard", "racism_discrimination", "education_skills"),
        ("se_digitally_excluded", "local_limited_english", "pc_age", "pc_disability"),
        HARM,
    ),
    Template(
        "delivery_change",
        "Bringing leisure centres in-house in {place}",
        "bring the leisure centres back from a trust to the council",
        ("prevention", "fair_work", "healthy_places"),
        ("se_low_income", "pc_disability", "local_children"),
        MIXED,
    ),
    Template(
        "regulation_enforcement",
        "Selective licensing of private landlords in {place}",
        "require private landlords in four wards to hold a licence and meet standards",
        ("living_standard", "healthy_places"),
        ("se_private_renters", "se_fuel_poor", "ih_migrants_refugees", "se_low_income"),
        BENEFIT,
    ),
    Template(
        "regulation_enforcement",
        "A clean air zone for {place}",
        "charge the most polluting buses, lorries and taxis to drive in the town centre",
        ("environment_sustainability", "prevention", "fair_work"),
        ("local_children", "se_no_car", "se_low_income", "plus_multimorbidity"),
        MIXED,
    ),
    Template(
        "commissioning",
        "Recommissioning drug and alcohol services in {place}",
        "award a new five-year contract for drug and alcohol treatment and recovery",
        ("prevention", "racism_discrimination", "fair_work"),
        ("ih_drug_alcohol", "ih_homeless", "ih_justice", "pc_sex"),
        MIXED,
    ),
    Template(
        "commissioning",
        "New contract for home care in {place}",
        "move home care to four providers, each covering one area, on a new rate",
        ("fair_work", "prevention", "living_standard"),
        ("pc_age", "pc_disability", "local_carers", "pc_sex"),
        MIXED,
    ),
    Template(
        "capital_infrastructure",
        "Town centre regeneration in {place}",
        "rebuild the market, add homes above shops and widen pavements",
        ("healthy_places", "fair_work", "environment_sustainability"),
        ("se_imd_q1", "pc_disability", "se_no_car"),
        BENEFIT,
    ),
    Template(
        "capital_infrastructure",
        "A new walking and cycling route in {place}",
        "build a segregated route from the estates to the hospital and the college",
        ("healthy_places", "environment_sustainability", "prevention"),
        ("se_no_car", "se_imd_q1", "pc_disability", "local_children"),
        BENEFIT,
    ),
)

BODIES = ("Cabinet", "Health and Wellbeing Board", "Full Council", "Adults and Health Committee")
NHS_BODIES = (
    "NHS Cheshire and Merseyside Board",
    "Cheshire and Merseyside Integrated Care Partnership",
)
LEAD_OFFICERS = (
    "Director of Public Health",
    "Assistant Director of Strategy",
    "Head of Commissioning",
    "Service Manager",
    "Head of Policy and Partnerships",
)
OWNERS = (
    "Head of Commissioning",
    "Director of Public Health",
    "Head of Customer Services",
    "Service Manager",
    "Equality and Diversity Lead",
    "Head of Housing",
)
RESOURCES = (
    "Officer time within the existing team",
    "0.5 of an officer for a year",
    "Partner time from the voluntary sector",
    "A one-off budget of £25,000",
)
CAUSES = {
    "early_years": ("Fewer places where parents on low incomes meet and get advice",),
    "education_skills": ("Loss of free internet access and study space",),
    "fair_work": ("Lower pay and less secure hours for care and support staff",),
    "living_standard": ("Less money for food and heating in low-income households",),
    "healthy_places": ("Longer, costlier journeys for people without a car",),
    "prevention": ("Later diagnosis for people who cannot travel to appointments",),
    "racism_discrimination": ("Information only in English and only online",),
    "environment_sustainability": ("Cold, damp homes and poor air in deprived streets",),
}
ACTIONS = (
    "Offer the service by phone and face to face in the most deprived wards",
    "Give people on the lowest incomes a hardship fund or an exemption",
    "Co-design the change with the people it affects before it starts",
    "Check take-up by group every quarter and change course if gaps widen",
    "Provide translated and Easy Read information in libraries and GP surgeries",
)
# How each lean rates a principle: weighted choices on the bank's scales.
DIRECTIONS = {
    HARM: {"major_negative": 2, "negative": 5, "uncertain": 2, "neutral": 1},
    MIXED: {"negative": 2, "uncertain": 3, "neutral": 2, "positive": 3},
    BENEFIT: {"positive": 6, "major_positive": 2, "uncertain": 1, "neutral": 1},
}
GAPS = {
    "major_negative": {"widens": 1},
    "negative": {"widens": 4, "no_change": 1, "not_known": 1},
    "uncertain": {"not_known": 3, "widens": 1},
    "neutral": {"no_change": 3, "not_known": 1},
    "positive": {"narrows": 4, "no_change": 2, "widens": 1},
    "major_positive": {"narrows": 1},
}
# A harm has no action yet in about one case in three: the register's hotspots.
NO_ACTION_SHARE = 0.35


@dataclass(frozen=True, slots=True)
class DemoAssessment:
    """One generated assessment: who owns it, where it has got to, and its answers."""

    organisation: str
    status: str
    archived: bool
    values: Mapping[str, Any]
    completed: tuple[str, ...]


def generate(banks: Banks, n: int, seed: int = 1) -> list[DemoAssessment]:
    """N assessments, the same for the same seed and banks. Pure: no clock, no database."""
    rng = random.Random(seed)
    return [_assessment(banks, rng, number) for number in range(n)]


def _assessment(banks: Banks, rng: random.Random, number: int) -> DemoAssessment:
    # Organisations and statuses take turns, so even a few assessments show every one.
    organisation = ORGANISATIONS[number % len(ORGANISATIONS)]
    place = _place(rng, organisation)
    template = rng.choice(TEMPLATES)
    status = STATUSES[number % len(STATUSES)]
    values = _details(banks, rng, organisation, place, template, status)
    values |= _screening(rng, template)
    values |= _populations(rng, template)
    for principle in wizard.selected_principles(banks, values):
        values |= _principle(banks, rng, principle, template, values)
    values |= _decision(rng, values)
    return DemoAssessment(
        organisation=organisation,
        status=status,
        archived=number % ARCHIVE_EVERY == ARCHIVE_EVERY - 1,
        values=values,
        completed=_completed(banks, rng, values, status),
    )


def _place(rng: random.Random, organisation: str) -> str:
    if organisation == NHS:
        return rng.choice((*COUNCILS, REGION, REGION))
    if organisation == TRUST:
        return rng.choice(TRUST_PLACES)
    return next(place for place, name in COUNCILS.items() if name == organisation)


def _details(
    banks: Banks,
    rng: random.Random,
    organisation: str,
    place: str,
    template: Template,
    status: str,
) -> dict[str, Any]:
    place_name = PLACE_NAMES.get(place) or dict((o.value, o.label) for o in banks.places)[place]
    decided = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    first_year = decided.year if decided.month >= 4 else decided.year - 1
    words = {
        "place": place_name,
        "count": rng.choice(("two", "three", "four")),
        "years": f"{first_year + 1}-{str(first_year + 2)[2:]}",
    }
    body = rng.choice(NHS_BODIES) if organisation in (NHS, TRUST) else rng.choice(BODIES)
    title = template.title.format(**words)
    title = title[0].upper() + title[1:]
    groups = ", ".join(_group_words(banks, template.groups[:2]))
    summary = (
        f"{organisation} proposes to {template.does.format(**words)} in {place_name}. "
        f"It would most affect {groups}, and the {body} will decide on "
        f"{decided.day} {decided:%B %Y}."
    )
    stages = ("decided", "in_delivery") if status == "approved" else ("idea", "drafting")
    return {
        "details_title": title,
        "details_organisation": organisation,
        "details_place": place,
        "details_summary": summary,
        "details_kind": template.kind,
        "details_stage": rng.choice((*stages, "consultation")),
        "details_decision_body": body,
        "details_decision_date": decided.isoformat(),
        "details_lead_officer": f"{rng.choice(LEAD_OFFICERS)}, {organisation}",
    }


def _group_words(banks: Banks, group_ids: tuple[str, ...]) -> list[str]:
    labels = {g.id: g.label for g in banks.groups}
    return [labels[g][:1].lower() + labels[g][1:] for g in group_ids]


def _screening(rng: random.Random, template: Template) -> dict[str, Any]:
    values: dict[str, Any] = {
        "screening_scale": rng.choice(("small", "medium", "large")),
        "screening_people": rng.choice(("few", "many", "everyone")),
        "screening_reversible": rng.choice(("easy", "hard", "very_hard")),
        "screening_evidence": rng.choice(("good", "some", "little")),
    }
    # The path the screening suggests, so no reason for going against it is needed.
    values["screening_path"] = wizard.recommend_path(values).path
    count = rng.randint(2, len(template.principles))
    chosen = sorted(rng.sample(template.principles, count), key=template.principles.index)
    values["screening_principles"] = chosen
    values["screening_principles_reason"] = (
        f"The policy changes what people pay, where they go and who they see, so it touches "
        f"{len(chosen)} principles. The groups most affected already have the worst health."
    )
    values["screening_left_out_reason"] = (
        "The other principles are not affected: the policy does not change them directly. "
        "Step 4 of each principle checks for wider effects."
    )
    return values


def _populations(rng: random.Random, template: Template) -> dict[str, Any]:
    # The template's groups always come first, so the same groups are hit again and again
    # in one place: the register's repeated-harm hotspots.
    extra = rng.sample(("se_imd_q1", "geo_urban", "pc_race", "local_carers", "pc_sex"), 2)
    return {"populations_groups": list(dict.fromkeys((*template.groups, *extra)))}


def _principle(
    banks: Banks,
    rng: random.Random,
    principle: Principle,
    template: Template,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    direction = _weighted(rng, DIRECTIONS[template.lean])
    gap = _weighted(rng, GAPS[direction])
    harmful = direction in ("negative", "major_negative") or gap == "widens"
    rows = 0 if harmful and rng.random() < NO_ACTION_SHARE else rng.randint(harmful, 3)
    offered = values["populations_groups"]
    groups = list(offered[:2]) + rng.sample(offered[2:], rng.randint(0, 2))
    answers: dict[str, Any] = {}
    for question in principle.step_questions(1):
        if question.type == "groups":
            answers[question.id] = groups
    actions = [q for q in principle.step_questions(2) if q.type == "action_table"]
    if actions and rows:
        answers[actions[0].id] = [_action(rng, principle) for _ in range(rows)]
    rating = next(
        q for q in banks.decision if q.principle == principle.id and q.type == "impact_rating"
    )
    answers[rating.id] = {
        "direction": direction,
        "gap": gap,
        "magnitude": rng.choice(("small", "medium", "large")),
        "confidence": rng.choice(("high", "medium", "low")),
    }
    answers[f"{rating.id}_reason"] = (
        f"The main effect on {principle.short_label.lower()} falls on "
        f"{', '.join(_group_words(banks, tuple(groups[:2])))}. "
        f"Our confidence rests on local data and what residents told us."
    )
    return answers


def _action(rng: random.Random, principle: Principle) -> dict[str, str]:
    return {
        "cause": rng.choice(CAUSES[principle.id]),
        "action": rng.choice(ACTIONS),
        "owner": rng.choice(OWNERS),
        "timescale": f"By {rng.choice(('June', 'September', 'December', 'March'))} "
        f"{rng.choice((2026, 2027, 2028))}",
        "resources": rng.choice(RESOURCES),
    }


def _decision(rng: random.Random, values: Mapping[str, Any]) -> dict[str, Any]:
    decided = dt.date.fromisoformat(values["details_decision_date"])
    months = rng.choice((6, 12, 12, 12, 18))
    review = _add_months(decided, months)
    return {
        "decision_risks": "The people who rely on the service most could lose out first. "
        "The action plan says how we will find out and what we will change.",
        "decision_option": rng.choice(("proceed", "proceed_with_changes", "more_evidence")),
        "decision_reasons": "The policy can go ahead if the actions are taken. "
        "We will report take-up by group to the board each year.",
        "decision_review_date": review.isoformat(),
    }


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def _completed(
    banks: Banks, rng: random.Random, values: Mapping[str, Any], status: str
) -> tuple[str, ...]:
    ids = tuple(s.id for s in wizard.sections(banks, values))
    if status != "draft":
        return ids
    return ids[: rng.randrange(len(ids))]


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


# ---------------------------------------------------------------- writing
@dataclass(frozen=True, slots=True)
class Account:
    email: str
    name: str
    organisation: str
    role: str
    is_admin: bool = False


def accounts() -> tuple[Account, ...]:
    """The seed's accounts: the administrator, and an author and approver per organisation."""
    made = [Account(ADMIN_EMAIL, "Demo Administrator", NHS, "approver", is_admin=True)]
    for organisation in ORGANISATIONS:
        slug = "-".join(organisation.lower().split())
        made.append(Account(f"author.{slug}@{DEMO_DOMAIN}", "Demo Author", organisation, "author"))
        made.append(
            Account(f"approver.{slug}@{DEMO_DOMAIN}", "Demo Approver", organisation, "approver")
        )
    return tuple(made)


def refusal(db: Any) -> str | None:
    """Why this database must not get demo data, or None.

    Only a new database, or one a previous seed made, will do: any account the seed did
    not make, or any assessment from before accounts, is taken to be real work.
    """
    ours = {a.email for a in accounts()}
    theirs = sorted(u.email for u in store.list_users(db) if u.email not in ours)
    if theirs:
        return (
            f"This database has {len(theirs)} real account(s), such as {theirs[0]}: "
            "seed-demo only fills a new database. Set HIAT_DATABASE to a new file."
        )
    if store.orphan_count(db):
        return "This database has assessments from before accounts: seed-demo will not add to it."
    return None


def write(
    db: Any,
    banks: Banks,
    items: list[DemoAssessment],
    password_hash: str,
    progress: Callable[[int], None] = lambda done: None,
) -> None:
    """Save the generated assessments with the store's functions, as people would make them."""
    users = _ensure_accounts(db, password_hash)
    for done, item in enumerate(items, start=1):
        _save(db, banks, item, users)
        if done % PROGRESS_EVERY == 0:
            progress(done)


def _ensure_accounts(db: Any, password_hash: str) -> dict[str, store.User]:
    """The seed's accounts by email; those a previous seed made get the new password."""
    users = {}
    for account in accounts():
        user = store.find_user(db, account.email)
        if user is None:
            user = store.create_user(
                db,
                organisation=account.organisation,
                email=account.email,
                name=account.name,
                role=account.role,
                password_hash=password_hash,
                is_admin=account.is_admin,
            )
        else:
            store.change_password(db, user.id, password_hash)
        users[account.email] = user
    return users


def _save(db: Any, banks: Banks, item: DemoAssessment, users: Mapping[str, store.User]) -> None:
    slug = "-".join(item.organisation.lower().split())
    author = users[f"author.{slug}@{DEMO_DOMAIN}"]
    approver = users[f"approver.{slug}@{DEMO_DOMAIN}"]
    uid = store.create_assessment(
        db,
        banks.version,
        wizard.summary_fields(item.values, banks),
        labelled_answers(banks, item.values),
        page="demo",
        completed=item.completed,
        organisation_id=author.organisation_id,
        editor=author.id,
    )
    if item.status != store.DRAFT:
        store.set_status(db, uid, store.DRAFT, store.IN_REVIEW, author.name)
    if item.status == store.APPROVED:
        snapshot = transfer.export_document(store.get_assessment(db, uid), dt.datetime.now(dt.UTC))
        store.sign_off(
            db,
            uid,
            user=approver,
            job_title="Director of Public Health",
            attestation=ATTESTATION,
            snapshot=snapshot,
        )
    if item.archived:
        store.set_archived(db, uid, True)
