"""A situation report's handling as a state machine over its file.

Source: grid management practice as DOMAIN.md "Case work" records it, the same cycle
as digital urban management's 受理 → 派遣 → 处置 → 反馈 → 核查 → 结案: the handler accepts
(受理), acts (办理, with photos), feeds back to the reporter (反馈); the reporting grid
officer or a supervisor verifies on site (验证) or sends it back (回退); then it is
closed (结案). A unit that is not responsible hands it on (转办) and routing assigns
another. Checking is kept apart from doing (处置与核查分离): whoever gave the feedback
does not verify it. A refused step changes nothing and says why in English and
Chinese, like the disputes procedure.

States::

    new ─受理→ handling ─反馈→ awaiting_verification ─验证→ verified ─结案→ closed
    awaiting_verification ─回退→ handling
    new | handling ─转办→ new (routing assigns another unit)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.mediation.domain import report_commands as rc
from services.mediation.domain.commands import Actor
from services.mediation.domain.dispute import Step, StepRefused
from services.mediation.domain.report_file import (
    Feedback,
    HandlingAction,
    Handover,
    ReportAcceptance,
    ReportClosing,
    ReportResult,
    Verification,
    VerificationOutcome,
)


class ReportState(StrEnum):
    NEW = "new"
    HANDLING = "handling"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    CLOSED = "closed"


REPORT_LABELS_ZH = {
    ReportState.NEW: "待受理",
    ReportState.HANDLING: "办理中",
    ReportState.AWAITING_VERIFICATION: "待验证",
    ReportState.VERIFIED: "已验证",
    ReportState.CLOSED: "已结案",
}

GRID_OFFICER = "grid_officer"
OPERATORS = frozenset({"community_operator", "street_operator", "district_operator"})
_RESULT_ZH = {ReportResult.RESOLVED: "已解决", ReportResult.NOT_RESOLVABLE: "无法解决"}


@dataclass
class SituationReport:
    """One situation report's file and where its handling stands."""

    case_id: str
    state: ReportState = ReportState.NEW
    version: int = 0
    handler_id: str | None = None  # the current handler, from routing's case.assigned
    unit_code: str | None = None
    reporter_id: str | None = None  # the grid officer who reported it, if one did
    acceptances: list[ReportAcceptance] = field(default_factory=list)
    actions: list[HandlingAction] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)
    closing: ReportClosing | None = None
    # Access columns shared with disputes' files (nobody is excluded from a report).
    excluded: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)

    @property
    def due_at(self) -> datetime | None:
        """Reports' limits are escalation's clocks (accept, handle, verify), not the file's."""
        return None

    @property
    def returns(self) -> int:
        return sum(1 for v in self.verifications if v.outcome == VerificationOutcome.RETURNED)

    @property
    def accepted_at(self) -> datetime | None:
        return self.acceptances[-1].at if self.acceptances else None

    def take(self, command: rc.ReportCommand, actor: Actor, now: datetime) -> Step:
        """Apply ``command`` as ``actor`` at ``now``; the version moves on success."""
        if self.state == ReportState.CLOSED:
            raise StepRefused(
                "closed", "The report is closed and read-only.", "事件已结案，不可修改。"
            )
        step = _DISPATCH[type(command)](self, command, actor, now)
        self.version += 1
        return step

    # ---- rules -----------------------------------------------------------------------

    def _require(self, *states: ReportState) -> None:
        if self.state not in states:
            allowed = "、".join(REPORT_LABELS_ZH[s] for s in states)
            raise StepRefused(
                "wrong-state",
                f"Not allowed while the report is {self.state.value} "
                f"(allowed: {', '.join(s.value for s in states)}).",
                f"事件当前为「{REPORT_LABELS_ZH[self.state]}」，此操作仅限「{allowed}」。",
            )

    def _require_handler(self, actor: Actor) -> None:
        """The assigned handler works the report; a centre operator over the unit may act
        for it (the query already limits operators to their area)."""
        if actor.staff_id != self.handler_id and actor.role not in OPERATORS:
            raise StepRefused(
                "not-the-handler",
                "Only the report's handler or a centre operator over its unit may do this.",
                "此操作仅限事件承办人或上级综治中心工作人员。",
            )

    def _require_verifier(self, actor: Actor) -> None:
        """The reporting grid officer or a supervisor verifies (DOMAIN.md "Case work"),
        and never the person whose feedback is being checked (处置与核查分离)."""
        if actor.staff_id != self.reporter_id and actor.role not in OPERATORS:
            raise StepRefused(
                "not-a-verifier",
                "Only the grid officer who reported it or a supervisor may verify.",
                "仅限上报该事件的网格员或上级督查人员验证。",
            )
        if self.feedback and self.feedback[-1].by == actor.staff_id:
            raise StepRefused(
                "verifies-own-work",
                "Whoever gave the feedback may not verify it; a supervisor must.",
                "反馈人不能验证自己办理的事件，须由上级督查人员验证（处置与核查分离）。",
            )

    # ---- steps -----------------------------------------------------------------------

    def accept(self, cmd: rc.AcceptReport, actor: Actor, now: datetime) -> Step:
        """受理."""
        self._require(ReportState.NEW)
        self._require_handler(actor)
        if self.handovers and actor.staff_id in (
            self.handovers[-1].by,
            self.handovers[-1].from_handler_id,
        ):
            raise StepRefused(
                "handed-over",
                "You handed this report over; the unit routing assigns accepts it.",
                "您已转办此事件，应由新承办单位受理。",
            )
        self.acceptances.append(ReportAcceptance(now, actor.staff_id, self.unit_code, cmd.note))
        self.state = ReportState.HANDLING
        return Step("report-accepted", "受理事件", cmd.note, {"accepted_at": now})

    def record_action(self, cmd: rc.RecordAction, actor: Actor, now: datetime) -> Step:
        """办理: an action with its photos."""
        self._require(ReportState.HANDLING)
        self._require_handler(actor)
        if cmd.at > now:
            raise StepRefused(
                "future",
                "A recorded time cannot be in the future.",
                "记录时间不能晚于当前时间。",
                field="at",
            )
        number = len(self.actions) + 1
        self.actions.append(
            HandlingAction(number, cmd.at, actor.staff_id, cmd.description, cmd.attachments)
        )
        photos = f"，照片{len(cmd.attachments)}张" if cmd.attachments else ""
        return Step(
            "report-action-recorded",
            f"办理记录第{number}条{photos}",
            None,
            {"action_number": number, "attachments": len(cmd.attachments), "at": cmd.at},
        )

    def give_feedback(self, cmd: rc.GiveFeedback, actor: Actor, now: datetime) -> Step:
        """反馈 to the reporter: at least one action first, so verification has
        something to check."""
        self._require(ReportState.HANDLING)
        self._require_handler(actor)
        if not self.actions:
            raise StepRefused(
                "no-action",
                "Record at least one action before giving feedback.",
                "反馈前须至少有一条办理记录。",
            )
        self.feedback.append(Feedback(now, actor.staff_id, cmd.result, cmd.content))
        self.state = ReportState.AWAITING_VERIFICATION
        return Step(
            "report-feedback-given",
            f"反馈：{_RESULT_ZH[cmd.result]}，待验证",
            None,
            {"result": cmd.result.value, "given_at": now},
        )

    def verify(self, cmd: rc.Verify, actor: Actor, now: datetime) -> Step:
        """验证 confirmed."""
        self._require(ReportState.AWAITING_VERIFICATION)
        self._require_verifier(actor)
        self.verifications.append(
            Verification(
                now,
                actor.staff_id,
                actor.role,
                VerificationOutcome.CONFIRMED,
                cmd.on_site,
                cmd.note,
            )
        )
        self.state = ReportState.VERIFIED
        where = "现场核查" if cmd.on_site else "核查"
        return Step(
            "report-verified",
            f"{where}通过",
            cmd.note,
            {"verifier_id": actor.staff_id, "on_site": cmd.on_site, "verified_at": now},
        )

    def send_back(self, cmd: rc.SendBack, actor: Actor, now: datetime) -> Step:
        """回退: not dealt with; back to the handler with the reason."""
        self._require(ReportState.AWAITING_VERIFICATION)
        self._require_verifier(actor)
        self.verifications.append(
            Verification(
                now,
                actor.staff_id,
                actor.role,
                VerificationOutcome.RETURNED,
                cmd.on_site,
                cmd.reason,
            )
        )
        self.state = ReportState.HANDLING
        return Step(
            "report-returned",
            f"验证未通过，回退重办（第{self.returns}次）",
            cmd.reason,
            {"returned_by": actor.staff_id, "returned_at": now, "returns": self.returns},
        )

    def hand_over(self, cmd: rc.HandOver, actor: Actor, now: datetime) -> Step:
        """转办: before feedback, the unit that is not responsible hands it on."""
        self._require(ReportState.NEW, ReportState.HANDLING)
        self._require_handler(actor)
        if cmd.to_unit_code is not None and cmd.to_unit_code == self.unit_code:
            raise StepRefused(
                "same-unit",
                "A handover goes to another unit.",
                "转办须转至其他单位。",
                field="to_unit_code",
            )
        handler = self.handler_id or actor.staff_id
        self.handovers.append(
            Handover(now, actor.staff_id, self.unit_code, handler, cmd.reason, cmd.to_unit_code)
        )
        self.state = ReportState.NEW
        target = f"至 {cmd.to_unit_code}" if cmd.to_unit_code else "，由系统重新分派"
        return Step(
            "report-handed-over",
            f"转办{target}",
            cmd.reason,
            {
                "from_unit_code": self.unit_code,
                "from_handler_id": handler,
                "to_unit_code": cmd.to_unit_code,
            },
        )

    def close(self, cmd: rc.CloseReport, actor: Actor, now: datetime) -> Step:
        """结案 once verified, with the result the feedback gave."""
        self._require(ReportState.VERIFIED)
        self._require_handler(actor)
        result = self.feedback[-1].result
        first = self.acceptances[0].at if self.acceptances else now
        days = (now - first).days
        self.closing = ReportClosing(now, actor.staff_id, result, days)
        self.state = ReportState.CLOSED
        return Step(
            "report-closed",
            f"结案：{_RESULT_ZH[result]}",
            None,
            {"result": result.value, "returns": self.returns, "days_taken": days},
        )

    def ledger(self) -> dict[str, Any]:
        """The step log's counts, for the file's header and the monthly figures."""
        return {
            "actions": len(self.actions),
            "photos": sum(len(a.attachments) for a in self.actions),
            "returns": self.returns,
            "handovers": len(self.handovers),
        }


_DISPATCH: dict[type, Callable[[SituationReport, Any, Actor, datetime], Step]] = {
    rc.AcceptReport: SituationReport.accept,
    rc.RecordAction: SituationReport.record_action,
    rc.GiveFeedback: SituationReport.give_feedback,
    rc.Verify: SituationReport.verify,
    rc.SendBack: SituationReport.send_back,
    rc.HandOver: SituationReport.hand_over,
    rc.CloseReport: SituationReport.close,
}

__all__ = ["REPORT_LABELS_ZH", "ReportState", "SituationReport"]
