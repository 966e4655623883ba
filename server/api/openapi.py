"""The OpenAPI document of /api/v1: what each route takes, who may call it, and every answer
it gives (issue 14, item 10). One table of operations below; any /api/v1 route the table
misses is still listed, from its handler's docstring (``with_routes``), and a test keeps the
table complete.

Who may call what, as the document says it: staff routes name the ``bearer`` scheme (the
token of ``POST /api/v1/auth/token``) or the ``session`` cookie, with the ``csrf`` header on
every method that changes something; issuing names ``device`` (a kiosk's token) or nothing
(an office with open issuing); a display's view names ``device`` too. Errors are one shape,
``Error`` ({code, message} and, for some, more fields such as ``field`` or ``retry_after``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from .responses import JSONResponse
from .schemas import (
    AckBody,
    ArrivedBody,
    BookBody,
    CallToCounterBody,
    IssueTicketBody,
    MoveBody,
    NoticeBody,
    PushBody,
    ReadyBody,
    ServiceSettingsBody,
    SettingsBody,
    StaffBody,
    StaffChangeBody,
    TokenBody,
    TransferBody,
)

_ERROR = {"$ref": "#/components/schemas/Error"}
_TICKET = {"$ref": "#/components/schemas/Ticket"}
_VISITOR_TICKET = {"$ref": "#/components/schemas/VisitorTicket"}
_OBJECT: dict[str, Any] = {"type": "object"}
_STRING = {"type": "string"}

# Who may call: staff by token, or by the session cookie (+ the CSRF header to change things).
STAFF_READ: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
STAFF_WRITE: list[dict[str, list[str]]] = [{"bearer": []}, {"session": [], "csrf": []}]
ANYONE: list[dict[str, list[str]]] = []

# The answer each error status stands for (the codes of server/api/errors.py and the routes).
ERRORS = {
    "304": "Not modified: the view's ETag matches If-None-Match",
    "401": "unauthorized: no valid staff token, session or device token",
    "403": "forbidden / csrf_failed: the caller may not do this (role, counter, device, CSRF)",
    "404": "not_found: no such office, counter, ticket, service, form or route",
    "409": "invalid_transition / counter_not_open / counter_busy / holds_another_counter / "
    "issuing_closed / daily_cap_reached / form_confirmed / form_closed: not in the current "
    "state",
    "413": "payload_too_large: the request body is over the limit",
    "422": "invalid_request / invalid_json / invalid_text / too_deep / invalid_form: names the field",
    "429": "rate_limited / too_many_attempts: try again after Retry-After seconds",
    "503": "database_unavailable",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


@dataclass
class Op:
    """One operation: its summary, answers, body and who may call it."""

    summary: str
    security: list[dict[str, list[str]]] = field(default_factory=list)
    ok: dict[str, tuple[str, dict[str, Any]]] = field(
        default_factory=dict
    )  # status -> type, schema
    errors: tuple[str, ...] = ()
    body: dict[str, Any] | None = None
    body_required: bool = True
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    more_media: dict[str, dict[str, Any]] = field(default_factory=dict)  # 200's other types

    def to_openapi(self, path: str) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        for status, (media, schema) in self.ok.items():
            answer: dict[str, Any] = {"description": "OK" if status != "204" else "No content"}
            if media:
                answer["content"] = {media: {"schema": schema}}
                if status == "200":
                    answer["content"] |= {m: {"schema": s} for m, s in self.more_media.items()}
            responses[status] = answer
        errors = set(self.errors) | {"503"}
        if "{" in path:
            errors.add("404")
        if self.body is not None:
            errors |= {"413", "422"}
        if self.security:
            errors |= {"401", "403"}
        for status in sorted(errors):
            if status == "304":
                responses[status] = {"description": ERRORS[status]}
                continue
            responses[status] = {
                "description": ERRORS[status],
                "content": {"application/json": {"schema": _ERROR}},
            }
            if status == "429":
                responses[status]["headers"] = _RETRY_AFTER
        op: dict[str, Any] = {"summary": self.summary, "responses": responses}
        if self.security:
            op["security"] = self.security
        if self.body is not None:
            op["requestBody"] = {
                "required": self.body_required,
                "content": {"application/json": {"schema": self.body}},
            }
        params = [
            {"name": name, "in": "path", "required": True, "schema": _STRING}
            for name in re.findall(r"\{(\w+)\}", path)
        ]
        params += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in self.query.items()
        ]
        if params:
            op["parameters"] = params
        return op


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any] = _OBJECT, status: str = "200") -> dict[str, Any]:
    return {status: ("application/json", schema)}


_DATE = {"type": "string", "format": "date"}
_RANGE = {"from": _DATE, "to": _DATE}


def operations() -> dict[str, dict[str, Op]]:
    """Every operation of the API, by path and method."""
    office = "/api/v1/offices/{office}"
    counter = f"{office}/counters/{{counter}}"
    paths: dict[str, dict[str, Op]] = {
        "/healthz": {"get": Op("Liveness and database check", ok=_json(_ref("Health")))},
        "/api/v1/auth/token": {
            "post": Op(
                "Sign in a staff member: answers {token, role} (429 while throttled)",
                ok=_json(_ref("TokenAnswer")),
                errors=("401", "429"),
                body=_ref("TokenBody"),
            ),
            "delete": Op(
                "Sign this Bearer token out: it is refused from then on",
                security=[{"bearer": []}],
                ok={"204": ("", {})},
            ),
        },
        "/api/v1/auth/session": {
            "get": Op(
                "The browser session's staff member and its CSRF token",
                security=[{"session": []}],
                ok=_json(_ref("Session")),
            )
        },
        f"{office}/status": {
            "get": Op("The public view of an office, with ETag", ok=_json(), errors=("304",))
        },
        f"{office}/tickets": {
            "post": Op(
                "Issue a ticket. A kiosk sends its device token (needed to print and for "
                "`priority`); without one, only an office with open issuing answers. Staff "
                'issuing at the reception desk send `"channel": "reception"` (a kiosk\'s or '
                "display's token: 403; no sign-in: 401) and may print at any `kiosk`. A ticket "
                'from home (the public page) sends `"channel": "online"` with `device` and '
                "`travel_min`: 409 `issuing_closed` names why not (`reason`), 429 "
                "`rate_limited` with Retry-After past the per-address or per-phone limit.",
                security=[{}, {"device": []}, *STAFF_WRITE],
                ok=_json(_TICKET, "201"),
                errors=("401", "403", "409", "429"),
                body=_ref("IssueTicketBody"),
            )
        },
        **_appointment_ops(office),
        f"{office}/devices": {"get": Op("Kiosks and their printers' state", STAFF_READ, _json())},
        f"{office}/devices/tokens": {
            "get": Op(
                "The office's kiosks and displays: paired or not, since when, connected now "
                "(admins)",
                STAFF_READ,
                _json(),
            )
        },
        f"{office}/devices/{{device}}/pair": {
            "post": Op(
                "Pair a kiosk or display: {token, address, qr}, shown once (admins; 409 when "
                "it is paired: rotate it)",
                STAFF_WRITE,
                _json(_ref("DeviceToken"), "201"),
                errors=("409",),
            )
        },
        f"{office}/devices/{{device}}/rotate": {
            "post": Op(
                "A new token for a device: the old one is refused at once and its screens "
                "are closed (1008) (admins)",
                STAFF_WRITE,
                _json(_ref("DeviceToken")),
            )
        },
        f"{office}/devices/{{device}}/revoke": {
            "post": Op(
                "End a device's token: refused at once, its screens closed (admins)",
                STAFF_WRITE,
                {"204": ("", {})},
            )
        },
        "/api/v1/staff": {
            "get": Op(
                "Every staff account: role, disabled, made, last sign-in, counters, areas (admins)",
                STAFF_READ,
                _json(),
            ),
            "post": Op(
                "Add a staff account (admins; 409 when the name exists)",
                STAFF_WRITE,
                _json(_ref("StaffMember"), "201"),
                errors=("409",),
                body=_ref("StaffBody"),
            ),
        },
        "/api/v1/staff/{username}": {
            "patch": Op(
                "Set a staff member's role, password, counters or areas (admins; 409 for "
                "the last admin)",
                STAFF_WRITE,
                _json(_ref("StaffMember")),
                errors=("409",),
                body=_ref("StaffChangeBody"),
            )
        },
        "/api/v1/staff/{username}/disable": {
            "post": Op(
                "Disable an account: every token and session of it is refused from now on "
                "(admins; 409 for the last admin)",
                STAFF_WRITE,
                _json(_ref("StaffMember")),
                errors=("409",),
            )
        },
        "/api/v1/staff/{username}/enable": {
            "post": Op(
                "Enable a disabled account (it signs in anew)",
                STAFF_WRITE,
                _json(_ref("StaffMember")),
            )
        },
        f"{office}/log.csv": {
            "get": Op(
                "The day's ticket log as CSV (supervisors)",
                STAFF_READ,
                {"200": ("text/csv", _STRING)},
                errors=("422",),
                query=_RANGE,
            )
        },
        f"{office}/opendata/daily.csv": {
            "get": Op(
                "Daily figures as CSV (open data)",
                ok={"200": ("text/csv", _STRING)},
                errors=("422",),
                query=_RANGE,
            )
        },
        f"{office}/opendata/daily.json": {
            "get": Op(
                "Daily figures as JSON (open data)", ok=_json(), errors=("422",), query=_RANGE
            )
        },
        f"{office}/services/{{service}}/form": {
            "get": Op("A service's pre-entry form (its fields)", ok=_json())
        },
        f"{office}/audit": {
            "get": Op(
                "Supervisors' and admins' changes, newest first (supervisors)",
                STAFF_READ,
                _json(),
                errors=("422",),
                query={"limit": _STRING},
            )
        },
        f"{office}/alerts/ack": {
            "post": Op(
                "Acknowledge an alert of the floor for every console (supervisors)",
                STAFF_READ,
                _json(),
                errors=("422",),
                body=_ref("AckBody"),
            )
        },
        f"{office}/reports": {
            "get": Op(
                "Tickets, waits and service times by day, hour, service, counter or clerk, as "
                "JSON, CSV or Excel (supervisors)",
                STAFF_READ,
                _json(),
                errors=("422",),
                more_media={
                    "text/csv": _STRING,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "type": "string",
                        "format": "binary",
                    },
                },
                query=_RANGE
                | {
                    "by": {
                        "type": "string",
                        "enum": ["day", "hour", "service", "counter", "clerk"],
                    },
                    "format": {"type": "string", "enum": ["json", "csv", "xlsx"]},
                    "target": {"type": "number", "minimum": 1, "maximum": 480},
                },
            )
        },
        f"{office}/form-audit": {
            "get": Op(
                "Who viewed which pre-entry when (supervisors)",
                STAFF_READ,
                _json(),
                query={"ticket": _STRING},
            )
        },
        f"{counter}/call-next": {
            "post": Op(
                "Call the next ticket (204 when nothing waits)",
                STAFF_WRITE,
                {**_json(_TICKET), "204": ("", {})},
                errors=("409",),
            )
        },
        "/api/v1/tickets/{id}": {"get": Op("A ticket (staff)", STAFF_READ, _json(_TICKET))},
        "/api/v1/tickets/{id}/reprint": {
            "post": Op(
                "Print a ticket again, at its kiosk or at ?kiosk=",
                STAFF_WRITE,
                _json(_TICKET),
                errors=("409", "422"),
                query={"kiosk": _STRING},
            )
        },
        "/api/v1/tickets/{id}/call": {
            "post": Op(
                "Call a given waiting ticket to a given counter (supervisors)",
                STAFF_WRITE,
                _json(_TICKET),
                errors=("409",),
                body=_ref("CallToCounterBody"),
            )
        },
        f"{office}/notice": {
            "get": Op("The notice on every screen (supervisors)", STAFF_READ, _json()),
            "put": Op(
                "Set or clear the notice on every screen (supervisors); If-Match: revision",
                STAFF_WRITE,
                _json(),
                errors=("409",),
                body=_ref("NoticeBody"),
            ),
        },
        f"{office}/services/{{service}}": {
            "patch": Op(
                "Stop or resume a service's issuing, set its cap or cut-off (supervisors)",
                STAFF_WRITE,
                _json(),
                errors=("409",),
                body=_ref("ServiceSettingsBody"),
            )
        },
        f"{office}/settings": {
            "get": Op("The office's settings in force (admins)", STAFF_READ, _json()),
            "put": Op(
                "Replace the office's settings: a new revision (admins); If-Match: revision",
                STAFF_WRITE,
                _json(),
                errors=("409",),
                body=_ref("SettingsBody"),
            ),
        },
        f"{office}/settings.toml": {
            "get": Op(
                "The settings in force as an office file (admins)",
                STAFF_READ,
                {"200": ("application/toml", _STRING)},
            )
        },
        "/api/v1/tickets/{id}/transfer": {
            "post": Op(
                "Transfer to another service, with an optional note for its counter",
                STAFF_WRITE,
                _json(_TICKET),
                errors=("409",),
                body=_ref("TransferBody"),
            )
        },
        "/api/v1/tickets/{id}/ready": {
            "post": Op(
                "Call a prepared ticket to pickup",
                STAFF_WRITE,
                _json(_TICKET),
                errors=("409",),
                body=_ref("ReadyBody"),
                body_required=False,
            )
        },
        "/api/v1/tickets/{id}/form": {
            "get": Op(
                "The visitor's pre-entry, for the clerk of the counter serving the ticket",
                STAFF_READ,
                _json(),
                errors=("409",),
            )
        },
        "/api/v1/tickets/{id}/form/confirm": {
            "post": Op(
                "Confirm the pre-entry, with the clerk's corrections",
                STAFF_WRITE,
                _json(),
                errors=("409",),
                body=_ref("FormValues"),
                body_required=False,
            )
        },
        "/api/v1/tickets/{id}/form.pdf": {
            "get": Op(
                "The confirmed pre-entry as a PDF to sign",
                STAFF_READ,
                {"200": ("application/pdf", {"type": "string", "format": "binary"})},
                errors=("409",),
            )
        },
        "/api/v1/tickets/{id}/form.json": {
            "get": Op(
                "The confirmed pre-entry as JSON for the ward's systems",
                STAFF_READ,
                _json(),
                errors=("409",),
            )
        },
        "/api/v1/visitor/{token}": {"get": Op("What the visitor's ticket page shows", ok=_json())},
        "/api/v1/visitor/{token}/cancel": {
            "post": Op(
                "The visitor cancels their ticket (もう行けません)", ok=_json(), errors=("409",)
            )
        },
        "/api/v1/visitor/{token}/delay": {
            "post": Op(
                "少し遅れます: the waiting ticket steps back the office's `delay_places`, once",
                ok=_json(),
                errors=("409",),
            )
        },
        "/api/v1/visitor/{token}/arrived": {
            "post": Op(
                "A ticket from home: its visitor is in the hall. A kiosk's device token (it "
                "scanned the QR), the hall's network, or the kiosk's four-digit `code`; "
                "else 403 `not_in_hall`",
                security=[{}, {"device": []}],
                ok=_json(),
                errors=("403", "409", "422"),
                body=_ref("ArrivedBody"),
                body_required=False,
            )
        },
        f"{office}/arrival-code": {
            "get": Op(
                "The kiosk's four-digit code for 到着しました today (a kiosk or staff): "
                "{code, day, expires_in}, the seconds until the day and its code end",
                security=[{"device": []}, *STAFF_READ],
                ok=_json(),
                errors=("401",),
            )
        },
        "/api/v1/visitor/{token}/qr.svg": {
            "get": Op(
                "The QR code of the ticket page",
                ok={"200": ("image/svg+xml", _STRING)},
            )
        },
        "/api/v1/visitor/{token}/form": {
            "get": Op(
                "The visitor's form and what is saved of it (409 once the ticket has ended)",
                ok=_json(),
                errors=("409",),
            ),
            "put": Op(
                "Save the visitor's entries (422 lists each field's problem; saved anyway)",
                ok=_json(),
                errors=("409",),
                body=_ref("FormValues"),
            ),
        },
        "/api/v1/push/key": {
            "get": Op(
                "The server's VAPID public key (base64url), the browser's applicationServerKey",
                ok=_json({"type": "object", "properties": {"key": _STRING}}),
            )
        },
        "/api/v1/visitor/{token}/push": {
            "post": Op(
                "Send this ticket's notices to a browser's push subscription (Web Push); its "
                "endpoint must be a browser's push service",
                ok={"201": ("", {})},
                body=_ref("PushBody"),
            ),
            "delete": Op(
                "Stop sending this ticket's notices to the subscription",
                ok={"204": ("", {})},
                body=_ref("PushBody"),
            ),
        },
        "/api/v1/views/{channel}": {
            "get": Op(
                "A live view over HTTP, with ETag. public:/ticket: need nothing, display: a "
                "display's device token (or staff), counter: staff, admin: supervisors and admins.",
                security=[{}, {"device": []}, {"bearer": []}, {"session": []}],
                ok=_json(),
                errors=("304", "401", "403"),
            )
        },
        "/api/v1/postal/{code}": {
            "get": Op(
                "The address of a postal code", ok=_json(), errors=("422",), query={"lang": _STRING}
            )
        },
    }
    for action in ("open", "pause", "close"):
        paths[f"{counter}/{action}"] = {
            "post": Op(f"{action.capitalize()} a counter", STAFF_WRITE, _json(), errors=("409",))
        }
    for action in ("recall", "start", "finish", "no-show", "return", "cancel", "hand-over"):
        paths[f"/api/v1/tickets/{{id}}/{action}"] = {
            "post": Op(f"{action} a ticket", STAFF_WRITE, _json(_TICKET), errors=("409",))
        }
    return paths


_BOOKING = _ref("Booking")


def _appointment_ops(office: str) -> dict[str, dict[str, Op]]:
    """Appointments (予約): slots, booking, cancel, move, check-in."""
    return {
        f"{office}/slots": {
            "get": Op(
                "A service's bookable slots on a day: [{start, capacity, left}] (422 with "
                "reason no_appointments for a service without bookings)",
                ok=_json({"type": "array", "items": _OBJECT}),
                errors=("404", "422"),
                query={"service": _STRING, "date": _DATE},
            )
        },
        f"{office}/appointments": {
            "post": Op(
                "Book a slot: 201 with {code, token, service, start, status}. The header "
                "Idempotency-Key makes a double tap one booking (the same key answers the "
                "same booking with 200). 409 slot_full; 409 invalid_transition with reason "
                "slot_past or beyond_horizon; 422 with reason no_appointments, closed_day or "
                "not_a_slot. Anyone but staff: 429 rate_limited with Retry-After past the "
                "per-address limits (MADOGUCHI_BOOK_PER_HOUR, _PER_DAY; a double tap answered "
                "again and a refused booking are not counted), and 409 invalid_transition "
                "with reason too_many_bookings when the address already holds "
                "MADOGUCHI_BOOK_HELD_PER_SERVICE bookings of the service not yet used.",
                ok={**_json(_BOOKING, "201"), **_json(_BOOKING)},
                errors=("404", "409", "422", "429"),
                body=_ref("BookBody"),
            )
        },
        f"{office}/appointments/{{code}}/check-in": {
            "post": Op(
                "Check a booking in by its code (a kiosk's device token, or staff): 201 with "
                'its ticket (`"channel": "appointment"`), 200 with the same ticket again; '
                "409 with reason cancelled or another_day.",
                security=[{"device": []}, *STAFF_WRITE],
                ok={**_json(_TICKET, "201"), **_json(_TICKET)},
                errors=("401", "403", "404", "409"),
            )
        },
        "/api/v1/appointments/{token}/check-in": {
            "post": Op(
                "The visitor's phone checks its booking in from the hall, as a ticket from "
                "home shows its arrival: a kiosk's device token (it scanned the page), the "
                "hall's network, or the kiosk's four-digit `code`. Answered as the kiosk's "
                "check-in (201 with the ticket and its token, for /t/{token}; 200 with the "
                "same ticket again, wherever the phone is; no staff `id`); 409 with reason "
                "cancelled or another_day before the place is asked; then 403 not_in_hall, "
                "or 422 for a wrong code. Nothing is printed.",
                security=[{}, {"device": []}],
                ok={**_json(_VISITOR_TICKET, "201"), **_json(_VISITOR_TICKET)},
                errors=("403", "404", "409", "422"),
                body=_ref("ArrivedBody"),
                body_required=False,
            )
        },
        "/api/v1/appointments/{token}": {
            "delete": Op(
                "Cancel a booking by its token (whoever holds the token is its visitor)",
                ok=_json(_BOOKING),
                errors=("404", "409"),
            ),
            "patch": Op(
                "Move a booking to another slot of its service",
                ok=_json(_BOOKING),
                errors=("404", "409", "422"),
                body=_ref("MoveBody"),
            ),
        },
    }


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        m.__name__: m.model_json_schema()
        for m in (
            IssueTicketBody,
            ArrivedBody,
            TransferBody,
            ReadyBody,
            TokenBody,
            NoticeBody,
            ServiceSettingsBody,
            CallToCounterBody,
            SettingsBody,
            StaffBody,
            StaffChangeBody,
            AckBody,
            BookBody,
            MoveBody,
        )
    }
    # Nested models: pydantic's $defs would point outside the components, so inlined.
    push = PushBody.model_json_schema(ref_template="#/$defs/{model}")
    defs = push.pop("$defs")
    defs["PushSubscriptionBody"]["properties"]["keys"] = defs["PushKeys"]
    push["properties"]["subscription"] = defs["PushSubscriptionBody"]
    schemas["PushBody"] = push
    names = {"type": ["array", "null"], "items": _STRING}
    schemas["StaffMember"] = {
        "type": "object",
        "required": ["username", "role", "disabled"],
        "properties": {
            "username": _STRING,
            "role": {"enum": ["clerk", "supervisor", "admin"]},
            "disabled": {"type": "boolean"},
            "created": {"type": ["string", "null"]},
            "last_signin": {"type": ["string", "null"]},
            "counters": names,
            "areas": names,
        },
    }
    schemas["DeviceToken"] = {
        "type": "object",
        "required": ["device", "kind", "token", "address", "qr"],
        "properties": {
            "device": _STRING,
            "kind": {"enum": ["kiosk", "display"]},
            "token": _STRING,
            "address": {"type": "string", "description": "the pairing address (#token=…)"},
            "qr": {"type": "string", "description": "its QR code, an SVG data: URI"},
        },
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": _STRING,
            "message": _STRING,
            "field": {"type": "string", "description": "the field at fault (422)"},
            "retry_after": {"type": "integer", "description": "seconds (429)"},
        },
    }
    schemas["Ticket"] = {
        "type": "object",
        "required": ["id", "number", "service", "status", "position", "estimate"],
        "properties": {
            "id": _STRING,
            "number": {"type": "string", "example": "B-001"},
            "service": _STRING,
            "status": _STRING,
            "position": {"type": ["integer", "null"]},
            "estimate": {"type": ["object", "null"]},
            "token": {"type": "string", "description": "only in the issuing answer"},
        },
    }
    # A ticket as its visitor's phone gets it: its token (the ticket page), no staff id.
    schemas["VisitorTicket"] = {
        **schemas["Ticket"],
        "required": ["number", "service", "status", "position", "estimate", "token"],
        "properties": {k: v for k, v in schemas["Ticket"]["properties"].items() if k != "id"},
    }
    schemas["Booking"] = {
        "type": "object",
        "required": ["code", "token", "service", "start", "status"],
        "properties": {
            "code": {"type": "string", "example": "482913", "description": "typed at the kiosk"},
            "token": {"type": "string", "description": "the visitor's secret: cancel, move"},
            "service": _STRING,
            "start": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["booked", "checked_in", "cancelled"]},
            "lang": _STRING,
            "ticket": {"type": ["string", "null"], "description": "the check-in's ticket id"},
        },
    }
    schemas["FormValues"] = {
        "type": "object",
        "properties": {
            "values": {"type": "object", "description": "field name -> value, as typed"},
            "complete": {"type": "boolean", "description": "check that nothing is missing"},
        },
    }
    schemas["Health"] = {
        "type": "object",
        "required": ["status"],
        "properties": {"status": _STRING, "office": _STRING, "version": {"type": "integer"}},
    }
    schemas["TokenAnswer"] = {
        "type": "object",
        "required": ["token"],
        "properties": {"token": _STRING, "role": _STRING},
    }
    schemas["Session"] = {
        "type": "object",
        "required": ["username", "role", "csrf"],
        "properties": {"username": _STRING, "role": _STRING, "csrf": _STRING},
    }
    return schemas


def document() -> dict[str, Any]:
    paths = {
        path: {method: op.to_openapi(path) for method, op in ops.items()}
        for path, ops in operations().items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "madoguchi",
            "version": "1",
            "description": "Counter and queue management (窓口)",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a staff token from POST /api/v1/auth/token",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "madoguchi_session",
                    "description": "the browser session of /signin (HttpOnly, SameSite=Strict)",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRF-Token",
                    "description": "the session's CSRF token (GET /api/v1/auth/session): "
                    "needed with the cookie on every method that changes something",
                },
                "device": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a kiosk's or display's token (madoguchi device token NAME)",
                },
            },
        },
    }


def with_routes(doc: dict[str, Any], app_routes: list[Any]) -> dict[str, Any]:
    """Add every /api/v1 route of the app that the table above does not describe, with its
    handler's first docstring line as summary, so the document never misses a route."""
    for route in app_routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/v1/") or path == "/api/v1/openapi.json":
            continue
        if "{action" in path:  # the dispatchers of the actions listed one by one above
            continue
        # Starlette's {name:type} converters are plain {name} parameters in OpenAPI.
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            method = method.lower()
            if method == "head" or method in doc["paths"].get(path, {}):
                continue
            handler = getattr(route, "endpoint", None)
            summary = (
                ((handler.__doc__ or "").strip().splitlines() or [path])[0] if handler else path
            )
            doc["paths"].setdefault(path, {})[method] = Op(
                summary or path, ok=_json(), errors=("422",)
            ).to_openapi(path)
    return doc


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(with_routes(document(), request.app.routes))


def routes() -> list[Route]:
    return [Route("/api/v1/openapi.json", openapi_json)]
