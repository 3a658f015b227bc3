"""Pure domain rules of intake: ID numbers, phones, coordinates, media types, risk."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.area import MirroredUnit, ServingArea
from services.intake.domain.coordinates import (
    Crs,
    bd09_to_gcj02,
    distance_m,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)
from services.intake.domain.identity_numbers import (
    check_character,
    is_valid_id_number,
    mask_id_number,
)
from services.intake.domain.media import AttachmentRefused, check_attachment, sniff
from services.intake.domain.phones import mask_phone, normalise_phone
from services.intake.domain.risk import detect_signals

# The specimen number of GB 11643's annex: 11010519491231002X.
SPECIMEN = "11010519491231002X"


def test_gb11643_specimen_is_valid_and_one_changed_digit_is_not() -> None:
    assert check_character(SPECIMEN[:17]) == "X"
    assert is_valid_id_number(SPECIMEN)
    assert is_valid_id_number(SPECIMEN.lower().upper())
    assert not is_valid_id_number("11010519491231003X")
    assert not is_valid_id_number("110105194912310021")


@pytest.mark.parametrize(
    "value",
    ["", "1101051949123100", "11010519491331002X", "11010519490230002X", "１１010519491231002X"],
)
def test_gb11643_refuses_malformed_numbers(value: str) -> None:
    assert not is_valid_id_number(value)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_gb11643_checksum_accepts_exactly_one_check_character(first17: str) -> None:
    valid = [c for c in "0123456789X" if is_valid_id_number(first17 + c)]
    assert len(valid) <= 1


def test_id_number_mask_keeps_region_and_last_four() -> None:
    assert mask_id_number(SPECIMEN) == "110***********002X"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("010-62345678", "010-62345678"),
        ("0774 5123456", "0774-5123456"),
    ],
)
def test_mainland_phone_numbers_are_normalised(raw: str, canonical: str) -> None:
    assert normalise_phone(raw) == canonical


@pytest.mark.parametrize(
    "raw", ["12812345678", "1381234567", "abc", "099-1234567", "+1 4155550100"]
)
def test_other_phone_numbers_are_refused(raw: str) -> None:
    assert normalise_phone(raw) is None


def test_phone_mask() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0774-5123456") == "0774-***3456"


def test_gcj02_offset_is_hundreds_of_metres_and_inverts_to_a_centimetre() -> None:
    wgs = (111.5672, 24.4121)
    gcj = wgs84_to_gcj02(*wgs)
    assert 100 < distance_m(wgs, gcj) < 1000
    back = gcj02_to_wgs84(*gcj)
    assert distance_m(wgs, back) < 0.01


def test_bd09_round_trip_and_to_wgs84() -> None:
    wgs = (116.404, 39.915)  # Tiananmen
    gcj = wgs84_to_gcj02(*wgs)
    bd = gcj02_to_bd09(*gcj)
    assert distance_m(gcj, bd09_to_gcj02(*bd)) < 1.0
    assert distance_m(wgs, to_wgs84(*bd, Crs.BD09)) < 1.0
    assert to_wgs84(*wgs, Crs.WGS84) == wgs


def test_gcj02_is_wgs84_outside_china() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


@given(st.floats(100, 120), st.floats(20, 40))
def test_gcj02_inverse_is_accurate_everywhere_in_china(lng: float, lat: float) -> None:
    assert distance_m((lng, lat), gcj02_to_wgs84(*wgs84_to_gcj02(lng, lat))) < 0.05


def test_distance_of_one_degree_of_latitude() -> None:
    assert math.isclose(distance_m((0, 0), (0, 1)), 111_195, rel_tol=1e-3)


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
        (b"#!AMR\n\x3c\x00\x00", "audio/amr"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"OggS\x00\x02\x00\x00\x00\x00", "audio/ogg"),
    ],
)
def test_media_types_come_from_magic_bytes(head: bytes, mime: str) -> None:
    kind = sniff(head)
    assert kind is not None and kind.mime == mime


def test_a_script_named_like_a_photo_is_refused() -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(b"<?php system($_GET['c']); ?>" + b" " * 64)
    assert refused.value.code == "unsupported-type"


def test_oversized_photo_and_empty_file_are_refused() -> None:
    with pytest.raises(AttachmentRefused) as big:
        check_attachment(b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024 + 1))
    assert big.value.code == "too-large"
    with pytest.raises(AttachmentRefused) as empty:
        check_attachment(b"\xff\xd8\xff")
    assert empty.value.code == "too-small"


def test_threats_in_a_wage_dispute_signal_min_zhuan_xing() -> None:
    signals = detect_signals(
        "老板拖欠工资半年，工人说再不给钱就跟他同归于尽",
        dispute_type="劳资纠纷(欠薪)",
        people_involved=60,
    )
    assert "民转刑" in signals
    assert "群体性" in signals


def test_violence_in_a_family_dispute_escalates_but_a_quiet_one_does_not() -> None:
    assert "民转刑" in detect_signals(
        "两家因宅基地吵架后动手打人", dispute_type="婚姻家庭邻里", people_involved=2
    )
    assert detect_signals("邻居装修噪音", dispute_type="婚姻家庭邻里", people_involved=2) == []


def _square(x: float, y: float, size: float) -> dict[str, object]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_serving_area_is_the_union_of_top_units() -> None:
    area = ServingArea(
        [
            MirroredUnit("451102", "district", None, _square(111.0, 24.0, 1.0)),
            MirroredUnit("451102001001001", "grid", "451102", _square(111.5, 24.5, 0.01)),
        ]
    )
    assert area.known
    assert area.contains(111.9, 24.1)  # outside every grid, inside the district
    assert not area.contains(113.0, 24.5)
    assert area.knows_grid("451102001001001")
    assert not area.knows_grid("451102001001099")


def test_an_empty_mirror_accepts_everything() -> None:
    area = ServingArea([])
    assert not area.known
    assert area.contains(0, 0)
    assert area.knows_grid("451102001001099")
