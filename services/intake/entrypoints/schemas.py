"""Request bodies of the intake API and their translation into commands.

Shape and format checks live here (pydantic, with ``English|中文`` messages); business
rules that need the registry or the dictionary live in ``domain.validation``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.intake.domain.commands import Location, Party, Point, Reporter, SubmitReport
from services.intake.domain.coordinates import Crs, to_wgs84
from services.intake.domain.identity_numbers import is_valid_id_number, normalise_id_number
from services.intake.domain.phones import normalise_phone
from services.intake.domain.ratings import RateCase
from shared.http.text import CleanText

Short = Annotated[CleanText, Field(min_length=1, max_length=64)]
Title = Annotated[CleanText, Field(min_length=1, max_length=200)]
LongText = Annotated[CleanText, Field(min_length=1, max_length=5000)]
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationIn(Strict):
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    crs: Literal["WGS84", "GCJ-02", "BD-09"] = Field(
        default="WGS84", description="Coordinate system of lng/lat; stored as WGS84."
    )


def check_phone(value: str | None) -> str | None:
    if value is None:
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise ValueError("Not a mainland China phone number.|不是有效的中国大陆电话号码。")
    return phone


class PartyIn(Strict):
    role: Literal["申请人", "被申请人"]
    name: Annotated[CleanText, Field(min_length=1, max_length=50)]
    id_number: Annotated[CleanText, Field(max_length=20)] | None = None
    phone: Annotated[CleanText, Field(max_length=20)] | None = None
    address: Annotated[CleanText, Field(max_length=300)] | None = None

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = normalise_id_number(value)
        if not is_valid_id_number(number):
            raise ValueError(
                "Not a valid resident ID number (GB 11643 check failed).|"
                "身份证号码无效（未通过 GB 11643 校验）。"
            )
        return number

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return check_phone(value)

    def to_party(self) -> Party:
        return Party(self.role, self.name, self.id_number, self.phone, self.address)


class SubmissionIn(Strict):
    """A situation report (社情民意/事件) or a dispute (矛盾纠纷)."""

    kind: Literal["report", "dispute"] = "report"
    category: Short = Field(description="Report class (e.g. 市容环境) or dispute type.")
    subcategory: Short | None = None
    title: Title
    description: LongText
    location: LocationIn | None = None
    grid_code: str | None = Field(default=None, pattern=r"^\d{15}$")
    address: Annotated[CleanText, Field(max_length=300)] | None = None
    attachments: list[Digest] = Field(default_factory=list, max_length=20)
    # Disputes
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    facts: Annotated[CleanText, Field(max_length=10000)] | None = None
    amount_involved: Decimal | None = Field(
        default=None, ge=0, le=Decimal("99999999999999"), max_digits=16, decimal_places=2
    )
    people_involved: int | None = Field(default=None, ge=1, le=1_000_000)
    risk_signals: list[Short] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _kind_fields(self) -> SubmissionIn:
        if self.kind == "report" and self.parties:
            raise ValueError("Only disputes have parties.|只有矛盾纠纷才有当事人。")
        return self

    def location_value(self) -> Location:
        point = original = None
        crs = None
        if self.location is not None:
            original = Point(self.location.lng, self.location.lat)
            crs = self.location.crs
            point = Point(*to_wgs84(original.lng, original.lat, Crs(crs)))
        return Location(point, original, crs, self.grid_code, self.address)

    def to_command(
        self, reporter: Reporter, *, client_id: str | None = None, source: str = "上报"
    ) -> SubmitReport:
        return SubmitReport(
            kind=self.kind,
            category=self.category,
            subcategory=self.subcategory,
            title=self.title,
            description=self.description,
            location=self.location_value(),
            reporter=reporter,
            source=source,
            facts=self.facts,
            amount_involved=self.amount_involved,
            people_involved=self.people_involved,
            parties=tuple(p.to_party() for p in self.parties),
            risk_signals=tuple(self.risk_signals),
            attachments=tuple(self.attachments),
            client_id=client_id,
        )


class ContactIn(Strict):
    """How intake can reach a resident; never shown to the public."""

    name: Annotated[CleanText, Field(max_length=50)] | None = None
    phone: Annotated[CleanText, Field(max_length=20)]
    anonymous: bool = Field(default=True, description="Hide the name from public views.")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str | None:
        return check_phone(value)


class ResidentSubmissionIn(SubmissionIn):
    contact: ContactIn


class PlaceIn(Strict):
    """Where something is: a point, a grid code or an address (any of them)."""

    location: LocationIn | None = None
    grid_code: str | None = Field(default=None, pattern=r"^\d{15}$")
    address: Annotated[CleanText, Field(max_length=300)] | None = None

    def has_place(self) -> bool:
        return self.location is not None or bool(self.grid_code or self.address)

    def location_value(self) -> Location:
        point = original = None
        if self.location is not None:
            original = Point(self.location.lng, self.location.lat)
            point = Point(*to_wgs84(original.lng, original.lat, Crs(self.location.crs)))
        return Location(
            point,
            original,
            self.location.crs if self.location else None,
            self.grid_code,
            self.address,
        )


class DiaryEntryIn(PlaceIn):
    content: LongText
    occurred_on: date


class PromoteIn(PlaceIn):
    """The report's class and title; a place only if the entry has none or it was wrong
    (a place given here replaces the entry's)."""

    kind: Literal["report"] = "report"
    category: Short
    subcategory: Short | None = None
    title: Title


class SyncItemIn(Strict):
    """One queued write from the phone, replayable: ``client_id`` is its idempotency key."""

    client_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    type: Literal["submission", "diary", "screening_return"]
    body: dict[str, object]


class SyncIn(Strict):
    items: list[SyncItemIn] = Field(min_length=1, max_length=100)


class CategoryIn(Strict):
    name_en: Annotated[CleanText, Field(min_length=1, max_length=100)]
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,40}$")
    subtypes: list[Short] = Field(default_factory=list, max_length=100)
    response_hours: int | None = Field(default=None, ge=1, le=24 * 365)
    active: bool = True


class RatingIn(Strict):
    """A resident's rating of the result (满意度) and an optional comment."""

    rating: Literal["satisfied", "basically_satisfied", "not_satisfied"] = Field(
        description="满意 / 基本满意 / 不满意"
    )
    comment: Annotated[CleanText, Field(min_length=1, max_length=1000)] | None = Field(
        default=None, description="Free text; kept encrypted, never published."
    )

    def command(self) -> RateCase:
        comment = self.comment.strip() if self.comment else None
        return RateCase(self.rating, comment or None)
