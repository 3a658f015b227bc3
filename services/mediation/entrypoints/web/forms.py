"""The case page's forms: one per step of case work, described as data, read back into
the same request bodies the JSON routes validate (``case_work``, ``report_work``), so
the web app and the API take a step by the same rules.

A form names its fields; the page renders them (``templates/_step_form.html``) and
``parse`` turns what the browser sent into the body: times typed in China's time,
parties picked by their place in the file (the page shows their names masked, so
picking one is not a full view of personal data), repeated rows with empty ones
dropped. ``field_errors`` maps pydantic's errors and a ``StepRefused.field`` onto the
form's fields, in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from services.mediation.adapters.dashboard_queries import LOCAL_TIME
from services.mediation.domain import commands as c
from services.mediation.domain import report_commands as rc
from services.mediation.entrypoints import case_work as dw
from services.mediation.entrypoints import report_work as rw
from services.mediation.entrypoints.web.i18n import N_

# Kinds of field: text, textarea, date, datetime, number, select, checkbox, list (names
# separated by commas), party (one party), parties (several), choices (several of the
# options), rows (a repeated group of ``sub`` fields), party_details (a row per party).


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    sub: tuple[Field, ...] = ()
    rows: int = 0
    default: str = ""  # now, today, year, me, or a literal value
    hint: str = ""


@dataclass(frozen=True)
class StepForm:
    slug: str
    command: type
    title: str
    body: type[BaseModel]
    fields: tuple[Field, ...] = ()
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # A body field the shape builds from differently named form fields.
    aliases: Mapping[str, str] = field(default_factory=dict)


CAME_IN = (
    ("application", N_("A party applied")),
    ("own_initiative", N_("On the committee's initiative")),
    ("referral", N_("Referred (court, police, 12345…)")),
)
DECLINE_REASONS = (
    ("party_refuses", N_("A party clearly refuses mediation")),
    ("before_court", N_("Already before a court")),
    ("before_arbitration", N_("Already before arbitration")),
    ("before_public_security", N_("Already accepted by public security")),
    ("not_mediable", N_("Not a dispute people's mediation may take")),
)
OUTCOMES = (
    ("continue", N_("Mediation continues")),
    ("agreed", N_("Agreement reached")),
    ("failed", N_("Mediation failed")),
)
INVITEES = (
    ("relative", N_("Relative")),
    ("neighbour", N_("Neighbour")),
    ("colleague", N_("Colleague")),
    ("expert", N_("Expert")),
    ("legal_adviser", N_("Legal adviser")),
    ("other", N_("Other")),
)
SIGNATURE_KINDS = (
    ("signed", N_("Signed")),
    ("sealed", N_("Sealed")),
    ("fingerprint", N_("Fingerprint")),
)
CONFIRMATION_RESULTS = (
    ("confirmed", N_("Confirmed as valid")),
    ("refused", N_("Application refused")),
)
PERFORMANCE = (
    ("performed", N_("Performed")),
    ("partly", N_("Partly performed")),
    ("not_performed", N_("Not performed")),
)
AFTER_FOLLOW_UP = (
    ("nothing", N_("Nothing further")),
    ("back_to_mediation", N_("Mediate again")),
    ("court", N_("Parties told they may sue")),
)
ROUTES = (
    ("arbitration", N_("Arbitration")),
    ("administrative", N_("Administrative")),
    ("court", N_("Court")),
)
RESULTS = (
    ("success", N_("Success")),
    ("partial", N_("Partial success")),
    ("failure", N_("Failure")),
    ("terminated", N_("Terminated")),
)
REPORT_RESULTS = (
    ("resolved", N_("Resolved")),
    ("not_resolvable", N_("Not resolvable")),
)

_TERM = (
    Field("obligor", N_("Obligor"), "party"),
    Field("content", N_("What is to be done"), "textarea"),
    Field("method", N_("How")),
    Field("place", N_("Where")),
    Field("deadline", N_("By when"), "date"),
)


def _consents(data: dict[str, Any]) -> dict[str, Any]:
    """Parties ticked as consenting, all at the one time typed."""
    at = data.pop("consented_at", None)
    data["consents"] = [{"party": p, "at": at} for p in data.pop("consenting", [])]
    return data


def _session(data: dict[str, Any]) -> dict[str, Any]:
    """An invitee's row says whether every party consented (art. 20)."""
    names = data.pop("_party_names", [])
    for person in data.get("invited", []):
        person["consented_by"] = names if person.pop("all_consented", False) else []
    return data


DISPUTE_FORMS: tuple[StepForm, ...] = (
    StepForm(
        "accept",
        c.Accept,
        N_("Accept (受理)"),
        dw.AcceptIn,
        (
            Field("came_in", N_("How it came in"), "select", choices=CAME_IN),
            Field(
                "parties",
                N_("Parties"),
                "rows",
                rows=3,
                sub=(Field("role", N_("Role (申请人, 被申请人…)")), Field("name", N_("Name"))),
            ),
            Field("summary", N_("Summary of the dispute"), "textarea"),
            Field("rules_explained", N_("The rules of mediation were explained"), "checkbox"),
            Field("applies_voluntarily", N_("The party applies voluntarily"), "checkbox"),
            Field(
                "consents",
                N_("Consents (initiative or referral)"),
                "rows",
                required=False,
                rows=2,
                sub=(Field("party", N_("Party's name")), Field("at", N_("When"), "datetime")),
            ),
            Field("referred_by", N_("Referred by"), required=False),
            Field("second_mediator", N_("Second mediator (staff id)"), required=False),
        ),
    ),
    StepForm(
        "decline",
        c.Decline,
        N_("Decline (不予受理)"),
        dw.DeclineIn,
        (
            Field("reason", N_("Reason"), "select", choices=DECLINE_REASONS),
            Field("note", N_("Note"), "textarea"),
        ),
    ),
    StepForm(
        "police-referral",
        c.ReferToPolice,
        N_("Report to the police (民转刑 risk)"),
        dw.PoliceReferralIn,
        (
            Field("police_staff_id", N_("Community police officer (staff id)")),
            Field("reason", N_("Reason"), "textarea"),
        ),
    ),
    StepForm(
        "investigation",
        c.RecordInvestigation,
        N_("Record an investigation"),
        dw.InvestigationIn,
        (
            Field("at", N_("When"), "datetime", default="now"),
            Field("place", N_("Place")),
            Field("investigators", N_("Investigators (comma separated)"), "list", default="me"),
            Field("persons_interviewed", N_("Persons interviewed"), "list", required=False),
            Field("record", N_("Record"), "textarea"),
        ),
    ),
    StepForm(
        "session-schedule",
        c.ScheduleSession,
        N_("Schedule a mediation session"),
        dw.SessionScheduleIn,
        (
            Field("starts_at", N_("Starts"), "datetime"),
            Field("place", N_("Place")),
            Field("note", N_("Note"), "textarea", required=False),
        ),
    ),
    StepForm(
        "session",
        c.RecordSession,
        N_("Record a mediation session"),
        dw.SessionIn,
        (
            Field("started_at", N_("Started"), "datetime", default="now"),
            Field("ended_at", N_("Ended"), "datetime", default="now"),
            Field("place", N_("Place")),
            Field("host", N_("Host (staff id)"), default="me"),
            Field("note_taker", N_("Note taker")),
            Field("parties_present", N_("Parties present"), "parties"),
            Field(
                "invited",
                N_("Invited persons (art. 20)"),
                "rows",
                required=False,
                rows=1,
                sub=(
                    Field("name", N_("Name")),
                    Field("kind", N_("Who"), "select", choices=INVITEES),
                    Field("staff_id", N_("Staff id, if staff"), required=False),
                    Field("all_consented", N_("Every party consented"), "checkbox"),
                ),
            ),
            Field("public", N_("Public session (the parties asked)"), "checkbox", required=False),
            Field("record", N_("Record (笔录)"), "textarea"),
            Field("outcome", N_("Outcome"), "select", choices=OUTCOMES),
        ),
        shape=_session,
    ),
    StepForm(
        "mediator-choice",
        c.ChooseMediator,
        N_("The parties choose a mediator"),
        dw.ChooseIn,
        (
            Field("staff_id", N_("Mediator chosen (staff id)")),
            Field("chosen_by", N_("Chosen by"), "parties"),
        ),
    ),
    StepForm(
        "agreement",
        c.DraftWrittenAgreement,
        N_("Draft the written agreement"),
        dw.AgreementIn,
        (
            Field("number", N_("Agreement number")),
            Field(
                "parties",
                N_("Parties' details (art. 29)"),
                "party_details",
                sub=(
                    Field("gender", N_("Gender"), required=False),
                    Field("ethnicity", N_("Ethnicity"), required=False),
                    Field("birth_date", N_("Date of birth"), "date", required=False),
                    Field("id_number", N_("ID number"), required=False),
                    Field("phone", N_("Phone"), required=False),
                    Field("address", N_("Address"), required=False),
                    Field("occupation", N_("Occupation"), required=False),
                ),
            ),
            Field("facts", N_("Facts"), "textarea"),
            Field("disputed_matters", N_("Matters in dispute"), "textarea"),
            Field(
                "responsibilities",
                N_("Responsibilities"),
                "rows",
                required=False,
                rows=2,
                sub=(
                    Field("party", N_("Party"), "party"),
                    Field("responsibility", N_("Responsibility")),
                ),
            ),
            Field("terms", N_("Terms agreed"), "rows", rows=2, sub=_TERM),
        ),
    ),
    StepForm(
        "oral-agreement",
        c.RecordOralAgreement,
        N_("Record an oral agreement"),
        dw.OralAgreementIn,
        (
            Field("content", N_("Content"), "textarea"),
            Field("terms", N_("Terms"), "rows", required=False, rows=1, sub=_TERM),
            Field("parties_agreeing", N_("Parties agreeing"), "parties"),
            Field("reached_at", N_("Reached"), "datetime", default="now"),
        ),
    ),
    StepForm(
        "review",
        c.ReviewAgreement,
        N_("Legal review of the draft"),
        dw.ReviewIn,
        (
            Field("opinion", N_("Opinion"), "textarea"),
            Field("approves", N_("I approve the draft"), "checkbox", required=False),
        ),
    ),
    StepForm(
        "party-signature",
        c.SignAsParty,
        N_("A party signs"),
        dw.PartySignatureIn,
        (
            Field("party", N_("Party"), "party"),
            Field("kind", N_("How"), "select", choices=SIGNATURE_KINDS),
            Field("at", N_("When"), "datetime", default="now"),
        ),
    ),
    StepForm(
        "mediator-signature",
        c.SignAsMediator,
        N_("Sign as mediator"),
        dw.MediatorSignatureIn,
        (Field("at", N_("When"), "datetime", default="now"),),
    ),
    StepForm(
        "seal",
        c.SealAgreement,
        N_("The committee seals"),
        dw.SealIn,
        (
            Field("committee", N_("Committee on the seal"), default="committee"),
            Field("at", N_("When"), "datetime", default="now"),
        ),
    ),
    StepForm(
        "confirmation-application",
        c.ApplyForConfirmation,
        N_("Judicial confirmation applied for"),
        dw.ConfirmationApplicationIn,
        (
            Field("court", N_("Court")),
            Field("applied_on", N_("Applied on"), "date", default="today"),
        ),
    ),
    StepForm(
        "confirmation-decision",
        c.RecordConfirmation,
        N_("The court's ruling"),
        dw.ConfirmationDecisionIn,
        (
            Field("result", N_("Result"), "select", choices=CONFIRMATION_RESULTS),
            Field("decided_on", N_("Decided on"), "date", default="today"),
            Field("note", N_("Note"), "textarea", required=False),
        ),
    ),
    StepForm(
        "follow-up-schedule",
        c.ScheduleFollowUp,
        N_("Schedule a follow-up visit"),
        dw.FollowUpScheduleIn,
        (Field("due_on", N_("Visit on"), "date", default="today"),),
    ),
    StepForm(
        "performance",
        c.RecordPerformance,
        N_("Record performance"),
        dw.PerformanceIn,
        (
            Field("party", N_("Party"), "party"),
            Field("what", N_("What was done"), "textarea"),
            Field("at", N_("When"), "datetime", default="now"),
        ),
    ),
    StepForm(
        "follow-up",
        c.RecordFollowUp,
        N_("Record a follow-up visit"),
        dw.FollowUpIn,
        (
            Field("visited_at", N_("Visited"), "datetime", default="now"),
            Field("visitor", N_("Visitor"), default="me"),
            Field("person_visited", N_("Person visited")),
            Field("performance", N_("Performance"), "select", choices=PERFORMANCE),
            Field("situation", N_("Situation"), "textarea"),
            Field("after", N_("Then"), "select", choices=AFTER_FOLLOW_UP),
        ),
    ),
    StepForm(
        "extension",
        c.ExtendTimeLimit,
        N_("Extend the time limit (every party consents)"),
        dw.ExtensionIn,
        (
            Field("until", N_("New time limit"), "datetime"),
            Field("consenting", N_("Parties consenting"), "parties"),
            Field("consented_at", N_("Consent given"), "datetime", default="now"),
            Field("reason", N_("Reason"), "textarea"),
        ),
        shape=_consents,
        aliases={"consents": "consenting"},
    ),
    StepForm(
        "termination",
        c.Terminate,
        N_("Terminate mediation"),
        dw.TerminateIn,
        (
            Field("reason", N_("Reason"), "textarea"),
            Field("routes_told", N_("Routes the parties were told"), "choices", choices=ROUTES),
        ),
    ),
    StepForm(
        "mediator-refusal",
        c.RefuseMediator,
        N_("A mediator is refused or recuses"),
        dw.RefuseIn,
        (
            Field("staff_id", N_("Mediator (staff id)")),
            Field("by_party", N_("Refused by (empty: recusal)"), "party", required=False),
            Field("reason", N_("Reason"), "textarea"),
        ),
    ),
    StepForm(
        "closing",
        c.Close,
        N_("Close the case"),
        dw.CloseIn,
        (
            Field("result", N_("Result"), "select", choices=RESULTS),
            Field("reason", N_("Reason (unless success)"), "textarea", required=False),
        ),
    ),
    StepForm(
        "archive",
        c.Archive,
        N_("File and archive"),
        dw.ArchiveIn,
        (
            Field("year", N_("Year"), "number", default="year"),
            Field("volume_number", N_("Volume number")),
            Field("retention", N_("Retention period")),
        ),
    ),
)

REPORT_FORMS: tuple[StepForm, ...] = (
    StepForm(
        "report-acceptance",
        rc.AcceptReport,
        N_("Accept the report (受理)"),
        rw.AcceptReportIn,
        (Field("note", N_("Note"), "textarea", required=False),),
    ),
    StepForm(
        "report-action",
        rc.RecordAction,
        N_("Record an action (办理)"),
        rw.ActionIn,
        (
            Field("description", N_("What was done"), "textarea"),
            Field("at", N_("When"), "datetime", default="now"),
        ),
    ),
    StepForm(
        "report-feedback",
        rc.GiveFeedback,
        N_("Give feedback (反馈)"),
        rw.FeedbackIn,
        (
            Field("result", N_("Result"), "select", choices=REPORT_RESULTS),
            Field("content", N_("Feedback"), "textarea"),
        ),
    ),
    StepForm(
        "report-verification",
        rc.Verify,
        N_("Verify (验证)"),
        rw.VerifyIn,
        (
            Field("on_site", N_("Checked on site"), "checkbox", required=False, default="on"),
            Field("note", N_("Note"), "textarea", required=False),
        ),
    ),
    StepForm(
        "report-return",
        rc.SendBack,
        N_("Send back (回退)"),
        rw.SendBackIn,
        (
            Field("reason", N_("Why it is sent back"), "textarea"),
            Field("on_site", N_("Checked on site"), "checkbox", required=False, default="on"),
        ),
    ),
    StepForm(
        "report-handover",
        rc.HandOver,
        N_("Hand over (转办)"),
        rw.HandOverIn,
        (
            Field("reason", N_("Reason"), "textarea"),
            Field("to_unit_code", N_("To unit (code; empty: routing decides)"), required=False),
        ),
    ),
    StepForm("report-closing", rc.CloseReport, N_("Close the report (结案)"), rw.CloseReportIn),
)

BY_SLUG = {f.slug: f for f in DISPUTE_FORMS + REPORT_FORMS}
BY_COMMAND = {f.command: f for f in DISPUTE_FORMS + REPORT_FORMS}


# ---- defaults --------------------------------------------------------------------------


def local_input(moment: datetime) -> str:
    """A ``datetime-local`` input's value in China's time."""
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


def default_value(f: Field, *, now: datetime, staff_id: str, committee: str) -> str:
    local = now.astimezone(LOCAL_TIME)
    return {
        "now": local_input(now),
        "today": local.date().isoformat(),
        "year": str(local.year),
        "me": staff_id,
        "committee": committee,
    }.get(f.default, f.default)


# ---- reading a submitted form ----------------------------------------------------------

_LIST_SPLIT = re.compile(r"[,，、;；\n]+")


@dataclass
class Parsed:
    body: dict[str, Any]
    errors: dict[str, list[str]]  # form field name → messages (already translated)
    rows: dict[str, list[int]]  # a rows field: the form's row number of each kept row


def _datetime(value: str) -> str:
    """``2026-12-03T10:30`` typed in China → an ISO time with its offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # pydantic says it is not a time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment.isoformat()


def _scalar(
    f: Field, raw: str, names: list[str], errors: list[str], _: Callable[[str], str]
) -> Any:
    raw = raw.strip()
    if not raw:
        return None
    if f.kind == "datetime":
        return _datetime(raw)
    if f.kind == "party":
        if raw.isdigit() and int(raw) < len(names):
            return names[int(raw)]
        errors.append(_("Choose one of the parties."))
        return None
    return raw


def parse(
    form: StepForm,
    data: Any,
    parties: list[tuple[str, str]],
    gettext: Callable[[str], str],
) -> Parsed:
    """The body dict for ``form.body`` from the browser's form data (a multi-dict);
    ``parties`` are the file's (role, name) in order, which the page's choices index."""
    _ = gettext
    party_names = [name for _role, name in parties]
    body: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    rows: dict[str, list[int]] = {}
    for f in form.fields:
        problems: list[str] = []
        if f.kind == "checkbox":
            body[f.name] = data.get(f.name) is not None
        elif f.kind == "list":
            items = [s.strip() for s in _LIST_SPLIT.split(data.get(f.name) or "") if s.strip()]
            if items or f.required:
                body[f.name] = items
        elif f.kind == "parties":
            picked = []
            for raw in data.getlist(f.name):
                value = _scalar(Field(f.name, "", "party"), raw, party_names, problems, _)
                if value is not None:
                    picked.append(value)
            body[f.name] = picked
        elif f.kind == "choices":
            allowed = {v for v, _label in f.choices}
            body[f.name] = [v for v in data.getlist(f.name) if v in allowed]
        elif f.kind == "rows":
            kept, numbers = [], []
            for i in range(f.rows):
                row: dict[str, Any] = {}
                for s in f.sub:
                    key = f"{f.name}-{i}-{s.name}"
                    if s.kind == "checkbox":
                        row[s.name] = data.get(key) is not None
                        continue
                    value = _scalar(s, data.get(key) or "", party_names, problems, _)
                    if value is not None:
                        row[s.name] = value
                if any(v for k, v in row.items() if isinstance(v, str)):
                    kept.append(row)
                    numbers.append(i + 1)
            if kept or f.required:
                body[f.name] = kept
            rows[f.name] = numbers
        elif f.kind == "party_details":
            details = []
            for i, (role, name) in enumerate(parties):
                entry: dict[str, Any] = {"role": role, "name": name}
                for s in f.sub:
                    value = _scalar(s, data.get(f"{f.name}-{i}-{s.name}") or "", [], problems, _)
                    if value is not None:
                        entry[s.name] = value
                details.append(entry)
            body[f.name] = details
        else:
            value = _scalar(f, data.get(f.name) or "", party_names, problems, _)
            if value is not None:
                body[f.name] = value
        if problems:
            errors[f.name] = problems
    body["_party_names"] = party_names
    if form.shape is not None:
        body = form.shape(body)
    body.pop("_party_names", None)
    return Parsed(body, errors, rows)


# ---- errors -----------------------------------------------------------------------------


def _message(error: Mapping[str, Any], _: Callable[[str], str]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return _("This field is required.")
    if kind == "too_short":
        return _("Give at least one.")
    if kind == "string_too_long":
        return _("Too long: at most %(max)s characters.") % {"max": ctx.get("max_length", "")}
    if kind == "too_long":
        return _("Too many entries.")
    if kind.startswith("datetime"):
        return _("Enter a valid date and time.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind.startswith("int"):
        return _("Enter a whole number.")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _("The number is out of range.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    if kind == "string_pattern_mismatch":
        return _("The format is not valid.")
    return _("This value is not valid.")


def _field_of(form: StepForm, path: list[str]) -> str:
    """The form field a body path belongs to ('' when none: a form-level error)."""
    if not path:
        return ""
    top = form.aliases.get(path[0], path[0])
    return top if any(f.name == top for f in form.fields) else ""


def _row_prefix(
    form: StepForm, path: list[str], parsed: Parsed, message: str, _: Callable[[str], str]
) -> str:
    numbers = parsed.rows.get(path[0]) if path else None
    if numbers and len(path) > 1 and path[1].isdigit() and int(path[1]) < len(numbers):
        return _("Row %(n)s: %(message)s") % {"n": numbers[int(path[1])], "message": message}
    return message


def validation_errors(
    form: StepForm, exc: ValidationError, parsed: Parsed, gettext: Callable[[str], str]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        path = [str(p) for p in error["loc"]]
        message = _row_prefix(form, path, parsed, _message(error, gettext), gettext)
        errors.setdefault(_field_of(form, path), []).append(message)
    return errors


def refusal_errors(form: StepForm, field_path: str | None, message: str) -> dict[str, list[str]]:
    """A ``StepRefused`` with its ``field`` (``terms/0/obligor``) next to that field."""
    path = field_path.split("/") if field_path else []
    return {_field_of(form, path): [message]}


__all__ = [
    "BY_COMMAND",
    "BY_SLUG",
    "DISPUTE_FORMS",
    "REPORT_FORMS",
    "Field",
    "Parsed",
    "StepForm",
    "default_value",
    "local_input",
    "parse",
    "refusal_errors",
    "validation_errors",
]
