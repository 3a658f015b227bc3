"""Group commit for submissions: the reports that arrive together share one transaction.

Written one at a time, a report costs about ten statement round trips (begin, claim,
number, duplicate search, insert, outbox, notify, answer, commit), and under load
intake spent most of its time on them. Here a single writer takes whatever submissions
are waiting, writes them with one statement per step, commits once, and then answers
each caller. A request waits for at most the batch before it plus its own, and nothing
is answered before the commit that makes it durable.

Semantics are those of the one-request path (``handlers.submit_report``):

- Refused submissions fail alone; a refused one with an Idempotency-Key, and one whose
  key was seen before (a replay, a conflict, an expired key, or the same key twice in
  one batch), is handed back to take the one-request path, which knows those cases.
- Reports in the same batch see each other as duplicates, in arrival order.
- If the batch's transaction fails, nothing of it was written, and every submission in
  it is handed back to take the one-request path on its own, so one bad report cannot
  fail the others and a database outage is answered as before.

Two reports of one batch see each other in arrival order; across batches, processes
and the one-request path, the duplicate cells' advisory locks (``duplicate_cells``)
make the second search wait for the first commit, so two identical reports never both
open a case.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.intake.adapters import queries, repository
from services.intake.domain.commands import SubmitReport
from services.intake.domain.duplicates import (
    Candidate,
    DuplicatePolicy,
    duplicate_cells,
    nearest,
)
from services.intake.domain.idempotency import Answer, IdempotencyClaim
from services.intake.domain.refusals import SubmissionRefused
from services.intake.domain.validation import submission_issues
from services.intake.service_layer import idempotency
from services.intake.service_layer.accepting import Acceptance, accept, attachment_issues, store
from services.intake.service_layer.reference import ReferenceCache
from shared.db.unit_of_work import EventContext, UnitOfWork
from shared.logging import get_logger
from shared.messaging.errors import describe_error
from shared.privacy.crypto import KeyRing

log = get_logger(__name__)


@dataclass
class _Waiting:
    cmd: SubmitReport
    claim: IdempotencyClaim | None
    context: EventContext
    # The answer; None hands the submission back for the one-request path.
    outcome: asyncio.Future[Answer | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def answer(self, answer: Answer | None) -> None:
        if not self.outcome.done():  # the caller may have gone away
            self.outcome.set_result(answer)

    def refuse(self, refusal: SubmissionRefused) -> None:
        if not self.outcome.done():
            self.outcome.set_exception(refusal)


class SubmissionBatcher:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        reference: ReferenceCache,
        policy: Callable[[], DuplicatePolicy],
        keys: Callable[[], KeyRing],
        *,
        max_batch: int = 64,
    ):
        self._uow_factory = uow_factory
        self._reference = reference
        self._policy = policy
        self._keys = keys
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        self.written = 0

    async def submit(
        self, cmd: SubmitReport, claim: IdempotencyClaim | None, context: EventContext
    ) -> Answer | None:
        """The committed answer; None when the caller must take the one-request path;
        ``SubmissionRefused`` when the submission is invalid."""
        waiting = _Waiting(cmd, claim, context)
        self._waiting.append(waiting)
        if self._writer is None or self._writer.done():
            # A fresh context: the writer's logs are not any one request's.
            self._writer = asyncio.get_running_loop().create_task(
                self._write_while_waiting(),
                name="intake-submission-writer",
                context=contextvars.Context(),
            )
        return await waiting.outcome

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                await self._write(batch)
            except asyncio.CancelledError:
                for waiting in batch:
                    waiting.answer(None)
                raise
            except Exception as exc:
                log.warning("submission_batch_failed", size=len(batch), error=describe_error(exc))
                for waiting in batch:
                    waiting.answer(None)

    async def _write(self, batch: list[_Waiting]) -> None:
        policy, keys = self._policy(), self._keys()
        async with self._uow_factory() as uow:
            conn = uow.connection
            ref = await self._reference.get(uow)
            missing = await queries.missing_attachments(
                conn, {d for w in batch for d in w.cmd.attachments}
            )
            valid: list[_Waiting] = []
            for waiting in batch:
                issues = submission_issues(waiting.cmd, ref) + attachment_issues(
                    waiting.cmd, missing
                )
                if not issues:
                    valid.append(waiting)
                elif waiting.claim is None:
                    waiting.refuse(SubmissionRefused(*issues))
                else:
                    waiting.answer(None)  # a replay of an earlier answer wins over a refusal
            claimed = await idempotency.claim_new(
                uow,
                list({(w.claim.scope, w.claim.key): w.claim for w in valid if w.claim}.values()),
            )
            mine: list[_Waiting] = []
            for waiting in valid:
                if waiting.claim is None:
                    mine.append(waiting)
                    continue
                key = (waiting.claim.scope, waiting.claim.key)
                if key in claimed:
                    claimed.discard(key)  # a second use in this batch goes alone, after us
                    mine.append(waiting)
                else:
                    waiting.answer(None)
            if not mine:
                return
            now = datetime.now(UTC)
            sequences = await repository.next_sequences(
                conn, len(mine), duplicate_cells([w.cmd for w in mine], policy)
            )
            stored = await queries.stored_candidates(conn, [w.cmd for w in mine], now, policy)
            accepted: list[Acceptance] = []
            earlier: list[Candidate] = []
            for waiting, sequence, candidates in zip(mine, sequences, stored, strict=True):
                acceptance = accept(
                    waiting.cmd,
                    ref,
                    keys,
                    report_id=str(uuid.uuid4()),
                    sequence=sequence,
                    now=now,
                    duplicate=nearest(waiting.cmd, [*candidates, *earlier], policy),
                    context=waiting.context,
                )
                accepted.append(acceptance)
                if (candidate := acceptance.as_candidate()) is not None:
                    earlier.append(candidate)
            await store(uow, accepted, now)
            await idempotency.record_many(
                uow, [(w.claim, a.answer) for w, a in zip(mine, accepted, strict=True) if w.claim]
            )
            await uow.commit()
        self.batches += 1
        self.written += len(mine)
        for waiting, acceptance in zip(mine, accepted, strict=True):
            waiting.answer(acceptance.answer)
