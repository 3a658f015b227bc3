"""The load generator sends what real clients send: valid, varied, reproducible."""

from __future__ import annotations

from collections import Counter

import pytest

from gridcase.load import Mix, Territory, Workload
from services.intake.domain.identity_numbers import is_valid_id_number
from shared.auth.tokens import verify_token

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


@pytest.fixture(scope="module")
def territory() -> Territory:
    return Territory.demo()


def test_mix_parses_and_refuses_unknown_kinds() -> None:
    assert Mix.parse("officer=1,resident=0,dispute=3") == Mix(1.0, 0.0, 3.0)
    with pytest.raises(ValueError, match="unknown kinds"):
        Mix.parse("officer=1,tourist=2")


def test_requests_follow_the_mix_and_stay_inside_their_grids(territory: Territory) -> None:
    workload = Workload(territory, Mix(officer=0.5, resident=0.3, dispute=0.2), SECRET, seed=3)
    drawn = [workload.next() for _ in range(1000)]
    kinds = Counter(r.kind for r in drawn)
    assert 420 < kinds["officer"] < 580 and 220 < kinds["resident"] < 380
    from shapely.geometry import Point

    grids = {g.code: g.polygon for g in territory.grids}
    for request in drawn:
        point = Point(request.body["location"]["lng"], request.body["location"]["lat"])
        assert any(poly.covers(point) for poly in grids.values())
        assert request.headers["Idempotency-Key"]
    assert len({r.headers["Idempotency-Key"] for r in drawn}) == 1000


def test_disputes_carry_valid_parties_and_officers_carry_their_own_grid(
    territory: Territory,
) -> None:
    workload = Workload(territory, Mix(officer=1, resident=0, dispute=1), SECRET, seed=5)
    drawn = [workload.next() for _ in range(200)]
    disputes = [r for r in drawn if r.kind == "dispute"]
    assert disputes
    for request in disputes:
        roles = [p["role"] for p in request.body["parties"]]
        assert roles == ["申请人", "被申请人"]
        desk = verify_token(SECRET, request.headers["Authorization"].removeprefix("Bearer "))
        assert (desk.role, desk.unit_codes) == ("district_operator", ("451102",))
        for party in request.body["parties"]:
            assert is_valid_id_number(party["id_number"]), party["id_number"]
            assert len(party["phone"]) == 11 and party["phone"].startswith("1")
    for request in (r for r in drawn if r.kind == "officer"):
        principal = verify_token(SECRET, request.headers["Authorization"].removeprefix("Bearer "))
        assert principal.role == "grid_officer"
        grid = next(g for g in territory.grids if g.code == principal.unit_codes[0])
        from shapely.geometry import Point

        loc = request.body["location"]
        assert grid.polygon.covers(Point(loc["lng"], loc["lat"]))


def test_the_same_seed_sends_the_same_requests(territory: Territory) -> None:
    first, again = (Workload(territory, Mix(), SECRET, seed=9) for _ in range(2))
    assert [first.next().body for _ in range(20)] == [again.next().body for _ in range(20)]
