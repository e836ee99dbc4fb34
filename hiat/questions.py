"""Load the question banks in questions/*.toml into frozen, validated objects.

The banks are data: an analyst edits TOML, never Python. Everything is checked at
start-up and every problem is reported at once, one line each, naming the file,
the question id and what to fix. This module imports nothing from Flask.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

# The answer types a question may have. forms.py and the templates keep one
# builder and one partial per type; a test checks they stay in step.
QUESTION_TYPES = frozenset(
    {
        "text",
        "textarea",
        "radios",
        "checkboxes",
        "yes_no_unsure",
        "date",
        "groups",
        "impact_rating",
        "action_table",
        "indicator_table",
        "evidence_table",
        "determinant_table",
        "intersections",
    }
)
CHOICE_TYPES = frozenset({"radios", "checkboxes"})
TABLE_TYPES = frozenset({"action_table", "indicator_table", "evidence_table", "determinant_table"})
# A "scale" column is one choice from a scale of bank.toml, named by the column's `scale`.
COLUMN_TYPES = frozenset({"text", "textarea", "date", "indicator", "scale"})
# The scales bank.toml must define: yes_no_unsure answers and the four parts
# of an impact rating (DOMAIN.md 6.3).
REQUIRED_SCALES = ("yes_no_unsure", "direction", "gap", "magnitude", "confidence")
IMPACT_PARTS = ("direction", "gap", "magnitude", "confidence")
STEPS = (1, 2, 3, 4)
PRINCIPLE_FILE = re.compile(r"^p([1-8])_([a-z_]+)\.toml$")
VALUE = re.compile(r"^[a-z0-9][a-z0-9_]{0,60}$")
FIXED_FILES = ("details", "screening", "populations", "decision")
REGION = "cheshire_and_merseyside"
REQUIRED_FILES = (
    "bank.toml",
    "groups.toml",
    "places.toml",
    "indicators.toml",
    "local_context.toml",
    *(f"{f}.toml" for f in FIXED_FILES),
)
# The pages each fixed file may put its questions on; the first is the default.
# The kind of decision (details.toml) picks each question's wording variant.
KIND_QUESTION = "details_kind"
# One checkboxes question chooses the principles (options_from = "principles").
PRINCIPLES_QUESTION = "screening_principles"
VARIANT_KEYS = frozenset({"kinds", "label", "hint", "guidance", "statement", "options"})
FIXED_PAGES = {
    "details.toml": ("details",),
    "screening.toml": ("screening", "proportionality", "path"),
    "populations.toml": ("populations",),
    "decision.toml": ("decision", "impact"),
}
# Details answers copied onto the assessment, for the list of assessments.
SUMMARY_QUESTIONS = MappingProxyType(
    {"title": "details_title", "organisation": "details_organisation", "place": "details_place"}
)


class BankError(Exception):
    """One or more problems in the question bank files, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Question bank problems:\n" + "\n".join(problems))


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    hint: str = ""
    screens_out: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    label: str
    type: str
    hint: str = ""
    scale: str = ""


@dataclass(frozen=True, slots=True)
class Condition:
    """This question must be answered when `question` has one of `values`."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Variant:
    """Wording of a question for some kinds of decision: a closure is asked who loses."""

    kinds: tuple[str, ...]
    label: str = ""
    hint: str = ""
    guidance: str = ""
    statement: str = ""
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: str
    label: str
    hint: str
    guidance: str
    file: str
    step: int | None = None
    principle: str | None = None
    options: tuple[Option, ...] = ()
    columns: tuple[Column, ...] = ()
    required: bool = False
    required_if: Condition | None = None
    screens: str | None = None
    retired: bool = False
    max_length: int = 0
    required_message: str = ""
    page: str = ""
    rapid: bool = False
    # The short heading the statement shows for this answer ("Who is doing worst now").
    statement: str = ""
    # A follow-up names the question it follows; it is asked only where that one is.
    follows: str | None = None
    variants: tuple[Variant, ...] = ()
    # A principle's groups question offers the groups the assessment chose for the whole
    # policy (set by the wizard from the answers); None offers every group.
    offered: tuple[str, ...] | None = None

    def for_kind(self, kind: str | None) -> Question:
        """The question as asked for this kind of decision (the bank's own wording if none)."""
        for variant in self.variants:
            if kind in variant.kinds:
                return replace(
                    self,
                    label=variant.label or self.label,
                    hint=variant.hint or self.hint,
                    guidance=variant.guidance or self.guidance,
                    statement=variant.statement or self.statement,
                    options=variant.options or self.options,
                    variants=(),
                )
        return self

    @property
    def heading(self) -> str:
        return self.statement or self.label

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    title: str
    purpose: str


@dataclass(frozen=True, slots=True)
class Principle:
    id: str
    number: int
    title: str
    short_label: str
    file: str
    questions: tuple[Question, ...]

    def step_questions(self, step: int) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.step == step and not q.retired)


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    label: str
    dimension: str
    same_as: str = ""  # the group this one repeats: no longer offered, still read


OWN_GROUP = "own:"  # a group of the assessor's own naming is saved as "own:<its name>"
OWN_DIMENSION = "Named by the assessor"


def group_label(groups: Mapping[str, Group], value: str) -> str:
    """A group's label, or the assessor's own name for it."""
    if value.startswith(OWN_GROUP):
        return value[len(OWN_GROUP) :]
    group = groups.get(value)
    return group.label if group else value


@dataclass(frozen=True, slots=True)
class Indicator:
    """An entry of the indicator catalogue: what to measure, never a value."""

    id: str
    name: str
    principles: tuple[str, ...]
    definition: str
    source: str
    breakdowns: tuple[str, ...]


# A pointer into the development kit (seed files, SEED_FACTS.md, the borough CSV, line numbers),
# which must never reach a user: local_context.toml keeps such pointers in comments.
_KIT_POINTER = re.compile(
    r"seed\s*\d|seeds/|SEED_FACTS|borough_context|\.txt\b|\blines? \d|\(\d{3}:\d", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class LocalFigure:
    """A published figure for a place, shown beside the questions it informs.

    `source` and `section` are the citation a reader can follow ("Figure 34", "chapter 3").
    """

    id: str
    place: str
    questions: tuple[str, ...]
    text: str
    year: str
    source: str
    section: str

    # "2019/20" and "2018-20" end in 2020, so a two-digit end year counts too.
    _YEARS = re.compile(r"\b((?:19|20)\d\d)(?:\s*[/-]\s*(\d\d)(?!\d))?")

    def latest_year(self) -> int | None:
        """The most recent year `year` mentions ("2009/10 to 2020/21" -> 2021), if any."""
        years = []
        for match in self._YEARS.finditer(self.year):
            start = int(match.group(1))
            years.append(start)
            if match.group(2):
                end = start // 100 * 100 + int(match.group(2))
                years.append(end if end >= start else end + 100)
        return max(years, default=None)

    def is_older(self, today: date) -> bool:
        """True when the data are more than five years old; a figure with no year never is."""
        latest = self.latest_year()
        return latest is not None and today.year - latest > 5


@dataclass(frozen=True, slots=True)
class Banks:
    version: str
    steps: tuple[Step, ...]
    principles: tuple[Principle, ...]
    details: tuple[Question, ...]
    screening: tuple[Question, ...]
    decision: tuple[Question, ...]
    groups: tuple[Group, ...]  # every group, offered or not, so old answers still read
    dimensions: tuple[Option, ...]
    places: tuple[Option, ...]
    scales: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    questions: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    indicators: tuple[Indicator, ...] = ()
    figures: tuple[LocalFigure, ...] = ()
    populations: tuple[Question, ...] = ()

    @property
    def offered_groups(self) -> tuple[Group, ...]:
        """The groups a user can choose: each once, leaving out those that repeat another."""
        return tuple(g for g in self.groups if not g.same_as)

    def same_group(self, value: str) -> str:
        """The group offered in place of one that repeats it; any other value as it is."""
        group = next((g for g in self.groups if g.id == value), None)
        return group.same_as if group and group.same_as else value

    def indicators_for(self, principle_id: str | None) -> tuple[Indicator, ...]:
        """Catalogue entries for a principle (all of them when there is no principle)."""
        return tuple(i for i in self.indicators if not principle_id or principle_id in i.principles)

    def figures_for(self, question_id: str, place: str | None) -> tuple[LocalFigure, ...]:
        """Figures for the assessment's place, then for the whole region."""
        wanted = [place, REGION] if place and place != REGION else [REGION]
        return tuple(
            f
            for where in wanted
            for f in self.figures
            if f.place == where and question_id in f.questions
        )

    def figures_for_page(
        self, question_ids: Iterable[str], place: str | None
    ) -> dict[str, tuple[LocalFigure, ...]]:
        """Figures for each question of a page, each figure once: beside its first question."""
        shown: set[str] = set()
        result = {}
        for qid in question_ids:
            figures = tuple(f for f in self.figures_for(qid, place) if f.id not in shown)
            shown.update(f.id for f in figures)
            result[qid] = figures
        return result

    def principle(self, principle_id: str) -> Principle:
        for principle in self.principles:
            if principle.id == principle_id:
                return principle
        raise KeyError(principle_id)

    def step(self, number: int) -> Step:
        return self.steps[number - 1]


def _adds(principle: Principle) -> str:
    """What choosing a principle in screening adds, counted from its questions."""
    live = [q for q in principle.questions if not q.retired]
    rapid = sum(1 for q in live if q.rapid)
    return (
        f"Adds the four steps for this principle: {rapid} questions in a rapid "
        f"assessment, {len(live)} in a full one."
    )


class _Problems:
    """Collects problems so the analyst sees all of them in one run."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


def load_banks(directory: str | Path) -> Banks:
    """Read every bank file in `directory`; raise BankError listing every problem."""
    directory = Path(directory)
    problems = _Problems()
    raw = _read_all(directory, problems)
    if problems.lines:
        raise BankError(problems.lines)
    banks = _build(directory, raw, problems)
    if problems.lines:
        raise BankError(problems.lines)
    return banks


def _read_all(directory: Path, problems: _Problems) -> dict[str, dict[str, Any]]:
    if not directory.is_dir():
        problems.add(str(directory), "the question bank folder does not exist")
        return {}
    raw: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            with path.open("rb") as handle:
                raw[path.name] = tomllib.load(handle)
        except tomllib.TOMLDecodeError as err:
            problems.add(_where(directory, path.name), f"is not valid TOML: {err}")
        except UnicodeDecodeError as err:
            line = path.read_bytes()[: err.start].count(b"\n") + 1
            problems.add(
                _where(directory, path.name),
                f"is not UTF-8 text (line {line} has the byte {err.object[err.start]:#04x}): "
                "save the file as UTF-8",
            )
        except OSError as err:
            problems.add(_where(directory, path.name), f"cannot be read: {err.strerror}")
    for name in REQUIRED_FILES:
        if name not in raw and not any(
            p.startswith(_where(directory, name)) for p in problems.lines
        ):
            problems.add(_where(directory, name), "is missing: every bank needs this file")
    return raw


def _where(directory: Path, name: str, question_id: str | None = None) -> str:
    place = f"{directory.name}/{name}"
    return f"{place}: question '{question_id}'" if question_id else place


def _build(directory: Path, raw: dict[str, dict[str, Any]], problems: _Problems) -> Banks:
    ctx = _Context(directory, problems, raw["bank.toml"])
    places = ctx.simple_list("places.toml", raw["places.toml"], "places")
    dimensions = ctx.simple_list("groups.toml", raw["groups.toml"], "dimensions")
    groups = ctx.groups(raw["groups.toml"], {d.value for d in dimensions})
    ctx.option_sources = {"places": places}
    principles = ctx.principles(raw)
    ctx.principle_ids = {p.id for p in principles}
    ctx.option_sources["principles"] = tuple(
        Option(p.id, p.title, _adds(p)) for p in sorted(principles, key=lambda p: p.number)
    )
    indicators = ctx.indicators(raw["indicators.toml"])
    details = ctx.questions("details.toml", raw["details.toml"], "details_")
    for qid in SUMMARY_QUESTIONS.values():
        if qid not in {q.id for q in details}:
            ctx.fail(
                "details.toml",
                f"needs a question with id '{qid}'; the list of assessments shows it",
            )
    screening = ctx.questions("screening.toml", raw["screening.toml"], "screening_")
    populations = ctx.questions("populations.toml", raw["populations.toml"], "populations_")
    decision = ctx.questions("decision.toml", raw["decision.toml"], "decision_")
    all_questions = [*details, *screening, *populations, *decision]
    for principle in principles:
        ctx.check_steps(principle)
        ctx.check_follow_ups(principle)
        all_questions.extend(principle.questions)
    ctx.check_ids_unique(all_questions)
    ctx.check_cross_references(principles, screening, decision, all_questions)
    kind = next((q for q in details if q.id == KIND_QUESTION), None)
    ctx.check_kinds(all_questions, {o.value for o in kind.options} if kind else set())
    return Banks(
        version=ctx.version,
        steps=ctx.steps,
        principles=principles,
        details=details,
        screening=screening,
        decision=decision,
        populations=populations,
        groups=groups,
        dimensions=dimensions,
        places=places,
        scales=MappingProxyType(ctx.scales),
        questions=MappingProxyType({q.id: q for q in all_questions}),
        indicators=indicators,
        figures=ctx.figures(
            raw.get("local_context.toml", {}),
            {p.value for p in places},
            {q.id for q in all_questions},
        ),
    )


class _Context:
    """Holds what the bank files share while they are checked and built."""

    def __init__(self, directory: Path, problems: _Problems, bank: dict[str, Any]):
        self.directory = directory
        self.problems = problems
        self.option_sources: dict[str, tuple[Option, ...]] = {}
        self.principle_ids: set[str] = set()
        self.version = self._version(bank)
        self.steps = self._steps(bank)
        self.scales = self._scales(bank)
        self.tables = self._tables(bank)

    def fail(self, name: str, message: str, question_id: str | None = None) -> None:
        self.problems.add(_where(self.directory, name, question_id), message)

    # bank.toml -----------------------------------------------------------
    def _version(self, bank: dict[str, Any]) -> str:
        version = bank.get("bank_version")
        if not isinstance(version, str) or not version.strip():
            self.fail("bank.toml", 'needs bank_version, a non-empty string such as "2026.11.1"')
            return ""
        return version.strip()

    def _steps(self, bank: dict[str, Any]) -> tuple[Step, ...]:
        steps = []
        for index, item in enumerate(_list(bank.get("steps")), start=1):
            title, purpose = _text(item, "title"), _text(item, "purpose")
            if item.get("number") != index or not title or not purpose:
                self.fail(
                    "bank.toml", f"step {index} needs number = {index}, a title and a purpose"
                )
            steps.append(Step(index, title, purpose))
        if len(steps) != len(STEPS):
            self.fail("bank.toml", "needs exactly four [[steps]], one per HIAT step")
        return tuple(steps)

    def _scales(self, bank: dict[str, Any]) -> dict[str, tuple[Option, ...]]:
        scales: dict[str, tuple[Option, ...]] = {}
        raw_scales = bank.get("scales") if isinstance(bank.get("scales"), dict) else {}
        for name in REQUIRED_SCALES:
            scales[name] = self.options("bank.toml", f"scale '{name}'", raw_scales.get(name))
        return scales

    def _tables(self, bank: dict[str, Any]) -> dict[str, tuple[Column, ...]]:
        raw_tables = bank.get("tables") if isinstance(bank.get("tables"), dict) else {}
        tables = {}
        for name in sorted(TABLE_TYPES):
            columns = []
            for item in _list(_dict(raw_tables.get(name)).get("columns")):
                column = Column(
                    _text(item, "id"),
                    _text(item, "label"),
                    _text(item, "type"),
                    _text(item, "hint"),
                    _text(item, "scale"),
                )
                if column.type == "scale" and column.scale not in REQUIRED_SCALES:
                    self.fail(
                        "bank.toml",
                        f"table '{name}': column '{column.id}' needs `scale`, one of "
                        f"{', '.join(REQUIRED_SCALES)}",
                    )
                if not VALUE.match(column.id) or not column.label:
                    self.fail("bank.toml", f"table '{name}': every column needs an id and a label")
                if column.type not in COLUMN_TYPES:
                    self.fail(
                        "bank.toml",
                        f"table '{name}': column '{column.id}' has type "
                        f"'{column.type}'; use one of {', '.join(sorted(COLUMN_TYPES))}",
                    )
                columns.append(column)
            if not columns:
                self.fail("bank.toml", f"needs [[tables.{name}.columns]] for the {name} type")
            tables[name] = tuple(columns)
        return tables

    # options, places and groups -------------------------------------------
    def options(self, name: str, what: str, items: Any, question_id: str | None = None):
        options = []
        for item in _list(items):
            value, label = _text(item, "value"), _text(item, "label")
            if not VALUE.match(value):
                self.fail(
                    name, f"{what}: option value '{value}' is not lower_snake_case", question_id
                )
            if not label:
                self.fail(name, f"{what}: option '{value}' has no label", question_id)
            options.append(
                Option(value, label, _text(item, "hint"), bool(item.get("screens_out", False)))
            )
        if not options:
            self.fail(
                name,
                f"{what} has no options; add options = [{{ value = ..., label = ... }}]",
                question_id,
            )
        values = [o.value for o in options]
        for value in sorted({v for v in values if values.count(v) > 1}):
            self.fail(name, f"{what}: option value '{value}' is used twice", question_id)
        return tuple(options)

    def simple_list(self, name: str, data: dict[str, Any], key: str) -> tuple[Option, ...]:
        items = [
            {"value": _text(i, "id"), "label": _text(i, "label")} for i in _list(data.get(key))
        ]
        return self.options(name, f"[[{key}]]", items)

    def groups(self, data: dict[str, Any], dimensions: set[str]) -> tuple[Group, ...]:
        groups = []
        for option, item in zip(
            self.simple_list("groups.toml", data, "groups"), _list(data.get("groups")), strict=False
        ):
            dimension = _text(item, "dimension")
            if dimension not in dimensions:
                self.fail(
                    "groups.toml",
                    f"group '{option.value}' has dimension '{dimension}', "
                    "which is not one of the [[dimensions]]",
                )
            groups.append(Group(option.value, option.label, dimension, _text(item, "same_as")))
        offered = {g.id for g in groups if not g.same_as}
        for group in groups:
            if group.same_as and group.same_as not in offered:
                self.fail(
                    "groups.toml",
                    f"group '{group.id}' has same_as '{group.same_as}': use the id of a group "
                    "that is offered (one without same_as)",
                )
        return tuple(groups)

    # principles and questions ---------------------------------------------
    def principles(self, raw: dict[str, dict[str, Any]]) -> tuple[Principle, ...]:
        principles = []
        for name, data in raw.items():
            match = PRINCIPLE_FILE.match(name)
            if not match:
                continue
            number = int(match.group(1))
            meta = _dict(data.get("principle"))
            principle_id = _text(meta, "id")
            if principle_id != match.group(2):
                self.fail(name, f"[principle] id must be '{match.group(2)}', as in the file name")
            if meta.get("number") != number or not _text(meta, "title"):
                self.fail(name, f"[principle] needs number = {number}, a title and a short_label")
            questions = self.questions(name, data, f"p{number}_", principle=principle_id)
            principles.append(
                Principle(
                    principle_id,
                    number,
                    _text(meta, "title"),
                    _text(meta, "short_label") or _text(meta, "title"),
                    name,
                    questions,
                )
            )
        principles.sort(key=lambda p: p.number)
        numbers = [p.number for p in principles]
        if numbers != list(range(1, 9)):
            missing = sorted(set(range(1, 9)) - set(numbers))
            files = ", ".join(f"p{n}_<principle id>.toml" for n in missing)
            self.problems.add(
                f"{self.directory.name}/",
                f"needs one file per Marmot principle; missing {files}"
                if missing
                else "has two files for one principle",
            )
        return tuple(principles)

    def questions(
        self, name: str, data: dict[str, Any], prefix: str, principle: str | None = None
    ) -> tuple[Question, ...]:
        items = _list(data.get("questions"))
        if not items:
            self.fail(name, "has no [[questions]]")
        return tuple(self.question(name, item, prefix, principle) for item in items)

    def question(
        self, name: str, item: dict[str, Any], prefix: str, principle: str | None
    ) -> Question:
        qid = _text(item, "id")
        if not re.match(rf"^{prefix}[a-z0-9_]{{2,60}}$", qid):
            self.fail(name, f"id must start with '{prefix}' then 2-60 of a-z, 0-9 and _", qid)
        qtype = _text(item, "type")
        if qtype not in QUESTION_TYPES:
            self.fail(
                name, f"unknown type '{qtype}'; use one of {', '.join(sorted(QUESTION_TYPES))}", qid
            )
        for key in ("label", "statement", "hint", "guidance"):
            if not _text(item, key):
                self.fail(name, f"missing {key}", qid)
        self.check_statement(name, qid, _text(item, "statement"))
        step = item.get("step")
        if principle and step not in STEPS:
            self.fail(name, f"step is {step!r}; it must be 1, 2, 3 or 4", qid)
        if not principle and step is not None:
            self.fail(name, "only principle files have steps; remove step", qid)
        return Question(
            id=qid,
            type=qtype,
            label=_text(item, "label"),
            hint=_text(item, "hint"),
            guidance=_text(item, "guidance"),
            file=name,
            step=step if principle else None,
            principle=principle or (_text(item, "principle") or None),
            options=self.question_options(name, qid, qtype, item),
            columns=self.tables.get(qtype, ()),
            required=bool(item.get("required", False)),
            required_if=self.condition(name, qid, item.get("required_if")),
            screens=_text(item, "screens") or None,
            retired=bool(item.get("retired", False)),
            max_length=self.max_length(name, qid, item.get("max_length", 0)),
            required_message=_text(item, "required_message"),
            page=self.page(name, qid, item),
            rapid=bool(item.get("rapid", False)),
            statement=_text(item, "statement"),
            follows=_text(item, "follows") or None,
            variants=self.variants(name, qid, qtype, item.get("variants")),
        )

    def variants(self, name: str, qid: str, qtype: str, raw: Any) -> tuple[Variant, ...]:
        """[[questions.variants]] tables: kinds = [...] and the wording they change."""
        result, seen = [], set()
        for item in _list(raw):
            kinds = tuple(k for k in item.get("kinds", []) if isinstance(k, str))
            if not kinds:
                self.fail(name, 'a variant needs kinds = ["cut_closure", ...]', qid)
            for kind in set(kinds) & seen:
                self.fail(name, f"two variants for the kind '{kind}'", qid)
            seen.update(kinds)
            unknown = set(item) - VARIANT_KEYS
            if unknown:
                self.fail(
                    name,
                    f"a variant may change only {', '.join(sorted(VARIANT_KEYS - {'kinds'}))}, "
                    f"not {', '.join(sorted(unknown))}",
                    qid,
                )
            if not set(item) & (VARIANT_KEYS - {"kinds"}):
                self.fail(name, "a variant must change the label, hint, guidance or options", qid)
            options: tuple[Option, ...] = ()
            if "options" in item:
                if qtype not in CHOICE_TYPES:
                    self.fail(name, f"a {qtype} question takes no options", qid)
                else:
                    options = self.options(
                        name, f"a variant of a {qtype} question", item["options"], qid
                    )
            self.check_statement(name, qid, _text(item, "statement"))
            result.append(
                Variant(
                    kinds,
                    _text(item, "label"),
                    _text(item, "hint"),
                    _text(item, "guidance"),
                    _text(item, "statement"),
                    options,
                )
            )
        return tuple(result)

    def check_kinds(self, questions: list[Question], kinds: set[str]) -> None:
        """Every kind a variant names is an option of the kind-of-decision question."""
        for question in questions:
            for variant in question.variants:
                for kind in sorted(set(variant.kinds) - kinds):
                    self.fail(
                        question.file,
                        f"variant kind '{kind}' is not an option of '{KIND_QUESTION}' in "
                        f"details.toml; use one of {', '.join(sorted(kinds))}",
                        question.id,
                    )

    def check_statement(self, name: str, qid: str, heading: str) -> None:
        """A statement heading names the answer for a board: not a question, not "you"."""
        if heading.endswith("?") or re.search(r"\byou(r|rs)?\b", heading, re.IGNORECASE):
            self.fail(
                name,
                f"statement '{heading}' must be a short heading, not a question to the user; "
                'for example "Who is doing worst now"',
                qid,
            )

    def page(self, name: str, qid: str, item: dict[str, Any]) -> str:
        allowed = FIXED_PAGES.get(name)
        if allowed is None:
            if "page" in item:
                self.fail(name, "only details, screening and decision questions have a page", qid)
            return ""
        page = _text(item, "page") or allowed[0]
        if page not in allowed:
            self.fail(name, f"page '{page}' is unknown; use one of {', '.join(allowed)}", qid)
        return page

    def max_length(self, name: str, qid: str, raw: Any) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            self.fail(name, f"max_length must be a whole number of characters, not {raw!r}", qid)
            return 0
        return raw

    def question_options(self, name: str, qid: str, qtype: str, item: dict[str, Any]):
        source = _text(item, "options_from")
        if qtype == "yes_no_unsure":
            return self.scales["yes_no_unsure"]
        if qtype not in CHOICE_TYPES:
            if "options" in item or source:
                self.fail(name, f"a {qtype} question takes no options", qid)
            return ()
        if source:
            if source not in self.option_sources:
                self.fail(
                    name, f"options_from = '{source}' is unknown; use 'places' or 'principles'", qid
                )
            return self.option_sources.get(source, ())
        return self.options(name, f"a {qtype} question", item.get("options"), qid)

    def condition(self, name: str, qid: str, raw: Any) -> Condition | None:
        if raw is None:
            return None
        raw = _dict(raw)
        raw_values = raw.get("values")
        values = (
            tuple(v for v in raw_values if isinstance(v, str))
            if isinstance(raw_values, list)
            else ()
        )
        if not _text(raw, "question") or not values:
            self.fail(name, 'required_if needs question = "..." and values = ["..."]', qid)
        return Condition(_text(raw, "question"), values)

    # indicator catalogue and local figures --------------------------------
    def indicators(self, data: dict[str, Any]) -> tuple[Indicator, ...]:
        name, result, seen = "indicators.toml", [], set()
        for item in _list(data.get("indicators")):
            ind_id = _text(item, "id")
            where = f"indicator '{ind_id}'"
            if not re.match(r"^ind_[a-z0-9_]{2,60}$", ind_id) or ind_id in seen:
                self.fail(name, f"{where}: ids must be unique and look like ind_fuel_poverty")
            seen.add(ind_id)
            principles = tuple(p for p in item.get("principles", []) if isinstance(p, str))
            if not principles or not set(principles) <= self.principle_ids:
                self.fail(name, f"{where}: principles must be Marmot principle ids")
            for key in ("name", "definition", "source"):
                if not _text(item, key):
                    self.fail(name, f"{where}: missing {key}")
            breakdowns = tuple(b for b in item.get("breakdowns", []) if isinstance(b, str))
            result.append(
                Indicator(
                    ind_id,
                    _text(item, "name"),
                    principles,
                    _text(item, "definition"),
                    _text(item, "source"),
                    breakdowns,
                )
            )
        return tuple(result)

    def figures(
        self, data: dict[str, Any], places: set[str], question_ids: set[str]
    ) -> tuple[LocalFigure, ...]:
        name, result = "local_context.toml", []
        for item in _list(data.get("figures")):
            where = f"figure '{_text(item, 'id')}'"
            questions = tuple(q for q in item.get("questions", []) if isinstance(q, str))
            if _text(item, "place") not in places:
                self.fail(name, f"{where}: place '{_text(item, 'place')}' is not in places.toml")
            for qid in sorted(set(questions) - question_ids):
                self.fail(name, f"{where}: question '{qid}' is not in the bank")
            for key in ("text", "year", "source", "section"):
                if not _text(item, key):
                    self.fail(name, f"{where}: missing {key}")
            # Users and boards read these values; a pointer into the seeds means nothing to them.
            if "reference" in item:
                self.fail(
                    name,
                    f"{where}: has a 'reference' key; cite the publication's section instead "
                    '(section = "Figure 34") and move the pointer into a TOML comment above '
                    "[[figures]]",
                )
            for key in ("text", "source", "section"):
                if found := _KIT_POINTER.search(_text(item, key)):
                    self.fail(
                        name,
                        f"{where}: {key} contains '{found.group(0)}', a pointer into the "
                        "development kit; move it into a TOML comment above [[figures]]",
                    )
            result.append(
                LocalFigure(
                    _text(item, "id"),
                    _text(item, "place"),
                    questions,
                    _text(item, "text"),
                    _text(item, "year"),
                    _text(item, "source"),
                    _text(item, "section"),
                )
            )
        return tuple(result)

    # whole-bank checks ------------------------------------------------------
    def check_steps(self, principle: Principle) -> None:
        for step in STEPS:
            if not principle.step_questions(step):
                self.fail(principle.file, f"has no questions for step {step}")

    def check_follow_ups(self, principle: Principle) -> None:
        """A follow-up comes after its parent in the same step; if rapid, so is the parent.

        A rapid path that showed "Tell us more about where the changes will go first"
        without the question it follows would make no sense.
        """
        before: dict[str, Question] = {}
        for question in principle.questions:
            parent = before.get(question.follows or "")
            if question.follows and (parent is None or parent.step != question.step):
                self.fail(
                    principle.file,
                    f"follows '{question.follows}', which must come before it in the same step",
                    question.id,
                )
            elif parent and question.rapid and not parent.rapid:
                self.fail(
                    principle.file,
                    f"is rapid but the question it follows, '{parent.id}', is not: add "
                    "rapid = true to that one too, or remove it here",
                    question.id,
                )
            stem = question.id.removesuffix("_detail")
            if stem != question.id and stem in before and question.follows != stem:
                self.fail(
                    principle.file, f'add follows = "{stem}": it follows that question', question.id
                )
            before[question.id] = question

    def check_ids_unique(self, questions: list[Question]) -> None:
        seen: dict[str, str] = {}
        for question in questions:
            if question.id in seen:
                self.fail(
                    question.file, f"duplicate id: also used in {seen[question.id]}", question.id
                )
            seen.setdefault(question.id, question.file)

    def check_cross_references(self, principles, screening, decision, questions) -> None:
        by_id = {q.id: q for q in questions}
        for question in questions:
            self._check_condition(question, by_id)
            if question.principle and question.principle not in self.principle_ids:
                self.fail(
                    question.file,
                    f"principle '{question.principle}' is not a Marmot principle id",
                    question.id,
                )
        screened = {q.screens for q in screening if q.screens}
        for question in screening:
            if question.screens and question.type != "radios":
                self.fail(
                    question.file,
                    "a screening question (screens = ...) must be radios",
                    question.id,
                )
            if question.screens and question.screens not in self.principle_ids:
                self.fail(
                    question.file,
                    f"screens '{question.screens}', which is not a Marmot principle id",
                    question.id,
                )
        if any(q.id == PRINCIPLES_QUESTION and not q.retired for q in screening):
            return
        for principle in principles:
            if principle.id not in screened:
                self.fail("screening.toml", f"has no question with screens = '{principle.id}'")

    def _check_condition(self, question: Question, by_id: dict[str, Question]) -> None:
        condition = question.required_if
        if condition is None:
            return
        other = by_id.get(condition.question)
        if other is None or other.file != question.file:
            self.fail(
                question.file,
                f"required_if names '{condition.question}', which is not a "
                "question in the same file",
                question.id,
            )
            return
        known = {o.value for o in other.options}
        for value in condition.values:
            if value not in known:
                self.fail(
                    question.file,
                    f"required_if value '{value}' is not an option of '{other.id}'",
                    question.id,
                )


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key, "")
    return value.strip() if isinstance(value, str) else ""
