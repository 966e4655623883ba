"""Request bodies, validated with pydantic (already a dependency of sqlmodel)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)
from starlette.requests import Request

from printer.languages import LANGUAGES

from .errors import ApiError

Lang = Literal[LANGUAGES]  # type: ignore[valid-type]  # the one list, as an enum in the schema
M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IssueTicketBody(_Body):
    service: str = Field(min_length=1, max_length=40, description="service id, e.g. certificates")
    lang: Lang = Field("ja", description="the visitor's language")
    priority: StrictBool = Field(False, description="配慮が必要な方: served first")
    kiosk: str | None = Field(
        None, max_length=40, description="the issuing kiosk (decides the printer)"
    )
    channel: Literal["reception", "online"] | None = Field(
        None,
        description="reception: staff issuing at the reception desk (受付・案内) for a visitor,"
        " printed at `kiosk` when given; online: a ticket from home from the public page"
        " (a service with remote issuing; `device` and `travel_min` required); otherwise"
        " the channel follows from the caller (kiosk or online)",
    )
    device: str | None = Field(
        None,
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="online: the phone's own random key, kept by the page (one ticket from"
        " home per phone per service)",
    )
    travel_min: StrictInt | None = Field(
        None, ge=0, le=600, description="online: minutes the visitor needs to come"
    )


class ArrivedBody(_Body):
    code: str | None = Field(
        None, pattern=r"^\d{4}$", description="the kiosk's short code (outside the hall's network)"
    )


class TransferBody(_Body):
    service: str = Field(
        min_length=1, max_length=40, description="the service to send the visitor to"
    )
    note: str | None = Field(
        None,
        max_length=200,
        description="for the next counter (staff only; erased after the business day)",
    )


class ReadyBody(_Body):
    counter: str | None = Field(
        None, max_length=40, description="pickup counter; default the service's"
    )


class NoticeBody(_Body):
    text: dict[Lang, Annotated[str, Field(max_length=500)]] = Field(
        description="the notice per language; {} clears it"
    )
    until: AwareDatetime | None = Field(None, description="when it ends (ISO, with offset)")


class ServiceSettingsBody(_Body):
    """Any of the three; a key left out stays as it is (daily_cap null: no cap)."""

    issuing: Literal["open", "stopped"] | None = None
    daily_cap: StrictInt | None = Field(None, ge=1, le=100_000)
    cutoff: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")


class CallToCounterBody(_Body):
    counter: str = Field(min_length=1, max_length=40, description="the counter to call to")


class SettingsBody(_Body):
    document: dict[str, Any] = Field(description="the office file's content, as JSON")


class AckBody(_Body):
    alert: str = Field(
        min_length=1, max_length=200, description="the floor's alert key, e.g. printer:kiosk-2f:…"
    )


class TokenBody(BaseModel):
    # Not _Body: a password is taken exactly as typed, spaces at its ends included.
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)

    @field_validator("username")
    @classmethod
    def _strip_username(cls, value: str) -> str:
        return value.strip()


StaffRole = Literal["clerk", "supervisor", "admin"]
_Names = list[Annotated[str, Field(min_length=1, max_length=40)]]


class StaffBody(BaseModel):
    # Not _Body: a password is taken exactly as typed (server/staff.py checks its length).
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=80, description="letters, digits, . _ @ -")
    role: StaffRole = Field(description="clerk 窓口職員, supervisor 係長, admin 管理者")
    password: str = Field(min_length=1, max_length=200, description="at least 8 characters")
    offices: dict[str, StaffRole] | None = Field(
        None,
        max_length=100,
        description="her role in each office she works in; null: `role` in every office",
    )

    @field_validator("username")
    @classmethod
    def _strip_username(cls, value: str) -> str:
        return value.strip()


class StaffChangeBody(BaseModel):
    """Any of these; `counters` and `areas` null or [] for no limit."""

    model_config = ConfigDict(extra="forbid")

    role: StaffRole | None = None
    password: str | None = Field(None, min_length=1, max_length=200)
    counters: _Names | None = Field(None, max_length=100, description="counters she may work")
    areas: _Names | None = Field(None, max_length=100, description="areas she may work")
    offices: dict[str, StaffRole] | None = Field(
        None,
        max_length=100,
        description="her role in each office she works in; null: `role` in every office",
    )


async def parse(request: Request, model: type[M], *, optional: bool = False) -> M:
    raw = await request.body()
    if not raw.strip() and optional:
        return model()
    try:
        # pydantic parses and validates in one pass, without a dict in between.
        return model.model_validate_json(raw)
    except ValidationError as e:
        first = e.errors()[0]
        if first["type"] == "json_invalid":
            reason = first.get("ctx", {}).get("error", first["msg"])
            raise ApiError(
                422, "invalid_json", f"本文が正しい JSON ではありません: {reason}"
            ) from None
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(
            422,
            "invalid_request",
            f"{field}: {first['msg']}",
            field=field,
            errors=[
                {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
                for err in e.errors()
            ],
        ) from None


class PushKeys(_Body):
    p256dh: str = Field(min_length=80, max_length=200, description="the browser's P-256 key")
    auth: str = Field(min_length=16, max_length=64, description="the browser's auth secret")


class PushSubscriptionBody(_Body):
    endpoint: str = Field(min_length=1, max_length=1000, description="the push service's URL")
    keys: PushKeys
    # What PushSubscription.toJSON() adds; not used (a subscription lives a day here).
    expiration_time: float | None = Field(None, alias="expirationTime")


class PushBody(_Body):
    """A browser's PushSubscription (its toJSON()), as the ticket page posts it."""

    subscription: PushSubscriptionBody


class BookBody(_Body):
    service: str = Field(min_length=1, max_length=40, description="service id, e.g. mynumber")
    start: AwareDatetime = Field(description="the slot's start (ISO, with offset), from /slots")
    lang: Lang = Field("ja", description="the visitor's language")


class MoveBody(_Body):
    start: AwareDatetime = Field(description="the new slot's start (ISO, with offset)")
