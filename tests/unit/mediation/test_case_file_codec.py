"""The case file survives its JSON document, with parties' numbers sealed in it."""

from __future__ import annotations

import base64
import dataclasses

import orjson

from services.mediation.adapters.case_file_codec import opened, sealed
from services.mediation.domain import commands as c
from services.mediation.domain.case_file import (
    AfterFollowUp,
    ConfirmationResult,
    DeclineReason,
    InvitedPerson,
    Invitee,
    Performance,
    Result,
)
from services.mediation.domain.dispute import Dispute, State
from shared.privacy.crypto import KeyRing
from tests.unit.mediation.test_dispute import (
    MEDIATOR,
    at,
    effective,
)

KEYS = KeyRing.parse("k1:" + base64.b64encode(b"k" * 32).decode())


def test_every_section_round_trips_and_personal_numbers_are_encrypted() -> None:
    dispute = effective()
    adviser = InvitedPerson("孙律师", Invitee.LEGAL_ADVISER, "law-1", ("张三", "李四"))
    dispute.sessions.append(dataclasses.replace(dispute.sessions[0], invited=(adviser,)))
    assert dispute.written_agreement is not None
    dispute.take(c.ApplyForConfirmation("八步区人民法院", at(5).date()), MEDIATOR, at(5))
    dispute.take(
        c.RecordConfirmation(ConfirmationResult.CONFIRMED, at(6).date(), "有效"), MEDIATOR, at(6)
    )
    dispute.take(
        c.RecordFollowUp(
            at(7), "med-1", "张三", Performance.PERFORMED, "已履行", AfterFollowUp.NOTHING
        ),
        MEDIATOR,
        at(7),
    )
    dispute.take(c.Close(Result.SUCCESS, ""), MEDIATOR, at(8))
    document = sealed(dispute, KEYS)
    text = orjson.dumps(document).decode()
    assert "110105199001011234" not in text and "13812345678" not in text
    assert text.count("enc:v1:k1:") == 2
    assert opened(document, KEYS) == dispute


def test_a_declined_file_and_an_excluded_mediator_round_trip() -> None:
    dispute = Dispute("case-2", handler_id="med-1")
    dispute.take(c.Decline(DeclineReason.BEFORE_COURT, "已起诉"), MEDIATOR, at(1))
    dispute.excluded.append("med-3")
    back = opened(sealed(dispute, KEYS), KEYS)
    assert back == dispute
    assert back.state == State.DECLINED and back.declination is not None
    assert back.declination.reason is DeclineReason.BEFORE_COURT
