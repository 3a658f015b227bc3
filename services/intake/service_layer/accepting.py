"""Accepting submissions: what one accepted report writes, and writing many at once.

A submission becomes an ``Acceptance``: its row, its events and its answer, built by
``accept`` from the command and what the database said (case number, nearest open
case). Building is pure; ``store`` writes any number of acceptances with one statement
per table, so the one-request path (``handlers.submit_report``) and the group commit
(``batching.SubmissionBatcher``) write exactly the same rows and events.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.intake.adapters import repository
from services.intake.domain.case_numbers import case_number
from services.intake.domain.commands import Party, Reporter, SubmitReport
from services.intake.domain.duplicates import (
    Candidate,
    DuplicatePolicy,
    OpenCase,
    duplicate_cells,
    nearest,
    searches_duplicates,
)
from services.intake.domain.idempotency import Answer
from services.intake.domain.identity_numbers import mask_id_number
from services.intake.domain.masking import mask_name
from services.intake.domain.phones import mask_phone
from services.intake.domain.refusals import Issue
from services.intake.domain.risk import detect_signals
from services.intake.domain.validation import Reference
from shared.db.unit_of_work import EventContext, UnitOfWork
from shared.events import topics
from shared.events.intake import (
    CasePartiesV1,
    CaseSubmittedV1,
    CaseTextV1,
    PartyFullV1,
    PartyV1,
    ReportLinkedV1,
)
from shared.events.payload import GeoPoint, Payload
from shared.privacy.crypto import KeyRing
from shared.privacy.free_text import mask_optional, mask_text

__all__ = [
    "Acceptance",
    "Candidate",
    "DuplicatePolicy",
    "OpenCase",
    "accept",
    "attachment_issues",
    "duplicate_cells",
    "nearest",
    "searches_duplicates",
    "store",
    "tracking_hash",
]


@dataclass(frozen=True)
class Acceptance:
    """Everything one accepted submission writes, and the answer its caller gets."""

    report_id: str
    row: dict[str, Any]
    events: tuple[tuple[str, str, Payload], ...]  # (topic, key, payload)
    answer: Answer
    attachments: tuple[str, ...]
    linked_to: str | None
    context: EventContext | None = None

    def as_candidate(self) -> Candidate | None:
        """This submission as a case later ones may be linked to (a new report with a point)."""
        row = self.row
        if self.linked_to is not None or row["kind"] != "report" or row["lng"] is None:
            return None
        return Candidate(
            self.report_id, row["case_number"], row["category"], row["lng"], row["lat"]
        )


def tracking_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def attachment_issues(cmd: SubmitReport, missing: set[str]) -> list[Issue]:
    return [
        Issue(
            f"#/attachments/{i}",
            "unknown-attachment",
            "No attachment with this id was uploaded.",
            "未上传该附件。",
        )
        for i, d in enumerate(cmd.attachments)
        if d in missing
    ]


def _sealed(keys: KeyRing, field: str, value: str | None) -> str | None:
    return keys.encrypt(field, value) if value else value


def _reporter_json(reporter: Reporter, keys: KeyRing) -> dict[str, Any]:
    """The reporter's contact, phone and e-mail encrypted (field names bind the values)."""
    return {
        k: v
        for k, v in {
            "name": reporter.name,
            "phone": _sealed(keys, "reporter.phone", reporter.phone),
            "email": _sealed(keys, "reporter.email", reporter.email),
            "anonymous": reporter.anonymous,
            "device_id": reporter.device_id,
        }.items()
        if v not in (None, "")
    }


def _party_json(party: Party, keys: KeyRing) -> dict[str, Any]:
    """A party as stored: ID number, phone and address encrypted, each with its key id."""
    return {
        "role": party.role,
        "name": party.name,
        "id_number": _sealed(keys, "party.id_number", party.id_number),
        "phone": _sealed(keys, "party.phone", party.phone),
        "address": _sealed(keys, "party.address", party.address),
    }


def _party_event(party: Party) -> PartyV1:
    return PartyV1(
        role=party.role,
        name_masked=mask_name(party.name),
        id_number_masked=mask_id_number(party.id_number) if party.id_number else None,
        phone_masked=mask_phone(party.phone) if party.phone else None,
    )


def _party_full(party: Party) -> PartyFullV1:
    return PartyFullV1(
        role=party.role,
        name=party.name,
        id_number=party.id_number,
        phone=party.phone,
        address=party.address,
    )


def accept(
    cmd: SubmitReport,
    ref: Reference,
    keys: KeyRing,
    *,
    report_id: str,
    sequence: int,
    now: datetime,
    duplicate: OpenCase | None,
    context: EventContext | None = None,
) -> Acceptance:
    """The row, events and answer of a valid submission: a new case, or a report linked
    to ``duplicate`` (the case's reporter is told through ``report.linked``)."""
    number = case_number(now, sequence)
    signals = (
        detect_signals(
            f"{cmd.title}\n{cmd.description}\n{cmd.facts or ''}",
            dispute_type=cmd.category,
            people_involved=cmd.people_involved,
            declared=list(cmd.risk_signals),
        )
        if cmd.kind == "dispute"
        else sorted(set(cmd.risk_signals))
    )
    category = ref.categories.find(cmd.kind, cmd.category)
    token = secrets.token_urlsafe(24) if cmd.reporter.channel in ("resident", "open311") else None
    point, original = cmd.location.point, cmd.location.original
    unique_attachments = tuple(dict.fromkeys(cmd.attachments))
    row = {
        "case_id": report_id,
        "case_number": number,
        "kind": cmd.kind,
        "category": cmd.category,
        "subcategory": cmd.subcategory,
        "title": cmd.title,
        "description": cmd.description,
        "source": cmd.source,
        "lng": point.lng if point else None,
        "lat": point.lat if point else None,
        "crs": cmd.location.crs,
        "original_lng": original.lng if original else None,
        "original_lat": original.lat if original else None,
        "grid_code": cmd.location.grid_code,
        "address": cmd.location.address,
        "jurisdiction_checked": ref.area.known,
        "people_involved": cmd.people_involved,
        "risk_signals": signals,
        "reporter": _reporter_json(cmd.reporter, keys),
        "channel": cmd.reporter.channel,
        "reporter_id": cmd.reporter.staff_id,
        "client_id": cmd.client_id,
        "facts": cmd.facts,
        "amount_involved": cmd.amount_involved,
        "parties": [_party_json(p, keys) for p in cmd.parties],
        "attributes": cmd.attributes,
        "duplicate_of": duplicate.case_id if duplicate else None,
        "tracking_hash": tracking_hash(token) if token else None,
        "response_hours": category.response_hours if category else None,
        "submitted_at": now,
        "updated_at": now,
    }
    body: dict[str, Any] = {
        "outcome": "linked" if duplicate else "created",
        "case_id": duplicate.case_id if duplicate else report_id,
        "case_number": duplicate.case_number if duplicate else number,
        "report_id": report_id,
        "report_number": number,
        "submitted_at": now.isoformat(),
        "status": "submitted",
        "risk_signals": signals,
        "jurisdiction_checked": ref.area.known,
    }
    if token:
        body["tracking_token"] = token
    events: list[tuple[str, str, Payload]] = []
    if duplicate:
        body["distance_m"] = duplicate.distance_m
        linked = ReportLinkedV1(
            case_id=duplicate.case_id,
            report_id=report_id,
            report_number=number,
            channel=cmd.reporter.channel,
            distance_m=duplicate.distance_m,
            linked_at=now,
        )
        events.append((topics.CASE, duplicate.case_id, linked))
        return Acceptance(
            report_id,
            row,
            tuple(events),
            Answer(200, body),
            unique_attachments,
            duplicate.case_id,
            context,
        )
    # The case stream is a masked view: phone and ID numbers typed into the text are
    # masked there, and the text in full goes with the parties, to the restricted topic.
    title, description = mask_text(cmd.title), mask_text(cmd.description)
    facts, address = mask_optional(cmd.facts), mask_optional(cmd.location.address)
    submitted = CaseSubmittedV1(
        case_id=report_id,
        case_number=number,
        kind=cmd.kind,  # type: ignore[arg-type]
        category=cmd.category,
        subcategory=cmd.subcategory,
        title=title,
        description=description,
        source=cmd.source,
        location=GeoPoint(lng=point.lng, lat=point.lat) if point else None,
        original_location=GeoPoint(lng=original.lng, lat=original.lat) if original else None,
        original_crs=cmd.location.crs,
        grid_code=cmd.location.grid_code,
        address=address,
        jurisdiction_checked=ref.area.known,
        risk_signals=signals,
        people_involved=cmd.people_involved,
        facts=facts,
        amount_involved=cmd.amount_involved,
        parties=[_party_event(p) for p in cmd.parties],
        attachments=list(unique_attachments),
        channel=cmd.reporter.channel,  # type: ignore[arg-type]
        reporter_staff_id=cmd.reporter.staff_id,
        submitted_at=now,
        screening_task_id=cmd.screening_task_id,
    )
    events.append((topics.CASE, report_id, submitted))
    if cmd.parties:
        # The full values, for consumers entitled to them, on the restricted topic only;
        # same key and unit of work, so it leaves after the case event and never without it.
        parties = CasePartiesV1(
            case_id=report_id,
            case_number=number,
            parties=[_party_full(p) for p in cmd.parties],
            submitted_at=now,
        )
        events.append((topics.CASE_RESTRICTED, report_id, parties))
    if (title, description, facts, address) != (
        cmd.title,
        cmd.description,
        cmd.facts,
        cmd.location.address,
    ):
        text = CaseTextV1(
            case_id=report_id,
            case_number=number,
            title=cmd.title,
            description=cmd.description,
            facts=cmd.facts,
            address=cmd.location.address,
            submitted_at=now,
        )
        events.append((topics.CASE_RESTRICTED, report_id, text))
    return Acceptance(
        report_id, row, tuple(events), Answer(201, body), unique_attachments, None, context
    )


async def store(uow: UnitOfWork, accepted: Sequence[Acceptance], now: datetime) -> None:
    """Write the acceptances' rows and links and queue their events (no commit)."""
    if not accepted:
        return
    await repository.insert_submissions(
        uow.connection,
        [a.row for a in accepted],
        [{"case_id": a.report_id, "sha256": d} for a in accepted for d in a.attachments],
        sorted({a.linked_to for a in accepted if a.linked_to is not None}),
        now,
    )
    for acceptance in accepted:
        for topic, key, payload in acceptance.events:
            uow.publish(topic, key, payload, context=acceptance.context)
