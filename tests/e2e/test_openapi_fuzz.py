"""A bounded schemathesis run over the OpenAPI document against a real server (issue 14,
checks that stay): every operation, generated from the document itself, signed in as a
supervisor, with real path parameters (the office, its counters, a called ticket, a waiting
ticket's token, real channels); no answer is a 5xx, and every answer's status, content type,
headers and body are the ones the document gives.

Both kinds of case: valid ones (the document's bodies and parameters) and invalid ones
(schemathesis's negative mode: wrong types, missing fields), which must be 4xx as documented.
Bounded: EXAMPLES cases per operation and mode, BUDGET_S_PER_OPERATION seconds each on
average (a bound against a hang, not a speed goal: the machine may be busy)."""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Callable
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LiveServer, add_supervisor, sign_in

EXAMPLES = 12
BUDGET_S_PER_OPERATION = 4.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def real_values(api: httpx.Client) -> dict[str, list[str]]:
    """Path parameters that name things that exist: a ticket called at counter 1, another
    waiting (by token), a ticket with a pre-entry form."""
    office = "/api/v1/offices/nakano"
    waiting = []
    for service in ("moving", "certificates", "moving"):
        answer = api.post(f"{office}/tickets", json={"service": service, "lang": "ja"})
        assert answer.status_code == 201, answer.text
        waiting.append(answer.json())
    api.post(f"{office}/counters/1/open").raise_for_status()
    called = api.post(f"{office}/counters/1/call-next").json()
    return {
        "office": ["nakano"],
        "counter": ["1", "4"],
        "id": [called["id"], waiting[1]["id"], waiting[2]["id"]],
        "token": [waiting[1]["token"], waiting[2]["token"]],
        "channel": ["public:nakano", "counter:1", "display:display-2f", "admin:nakano"],
        "service": ["moving", "certificates", "insurance"],
        "code": ["1648501", "1000001"],
        # Staff and device tokens are an admin's: the supervisor fuzzing is refused (403).
        "device": ["display-3f", "kiosk-3f"],
        "username": ["demo-clerk"],
    }


def with_real_path_parameters(doc: dict[str, Any], values: dict[str, list[str]]) -> None:
    for item in doc["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"] = {"type": "string", "enum": values[parameter["name"]]}
    # Bodies that name real services and kiosks, so that issuing and transfers get through.
    bodies = doc["components"]["schemas"]
    for body in ("IssueTicketBody", "TransferBody"):
        bodies[body]["properties"]["service"] = {"enum": values["service"]}
    bodies["IssueTicketBody"]["properties"]["kiosk"] = {"enum": ["kiosk-2f", None]}


def fuzz(
    cases: Any, label: str, url: str, auth: dict[str, str], calls: list[tuple[str, int]]
) -> None:
    """EXAMPLES cases of one operation, each checked against the document."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Any) -> None:
        response = case.call(base_url=url, headers=auth, timeout=10)
        calls.append((label, response.status_code))
        case.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_answers_as_the_document_says_and_never_with_a_5xx(
    live_server: Callable[..., LiveServer], sqlite_url: str
) -> None:
    supervisor = add_supervisor(sqlite_url)
    server = live_server(sqlite_url)
    with httpx.Client(base_url=server.url, timeout=10) as api:
        bearer = sign_in(api, supervisor)
        api.headers.update(bearer)
        values = real_values(api)
        doc = api.get("/api/v1/openapi.json").json()
    with_real_path_parameters(doc, values)
    schema = schemathesis.openapi.from_dict(doc)

    started = time.monotonic()
    calls: list[tuple[str, int]] = []
    every = [result.ok() for result in schema.get_all_operations()]
    budget_s = BUDGET_S_PER_OPERATION * len(every)
    for operation in every:
        label = f"{operation.method.upper()} {operation.path}"
        fuzz(operation.as_strategy(GenerationMode.POSITIVE), label, server.url, bearer, calls)
        # An operation with nothing to get wrong (no body, no parameter) has no negative case.
        with contextlib.suppress(Unsatisfiable):
            negative = operation.as_strategy(GenerationMode.NEGATIVE)
            fuzz(negative, f"{label} (invalid)", server.url, bearer, calls)
        assert time.monotonic() - started < budget_s, f"over budget at {label}"

    elapsed = time.monotonic() - started
    operations = {label for label, _ in calls if "(invalid)" not in label}
    print(
        f"schemathesis: {len(calls)} requests over {len(operations)} operations in {elapsed:.1f} s"
    )
    assert len(operations) >= 30, sorted(operations)
    assert not [c for c in calls if c[1] >= 500]
    print(sorted(collections.Counter(calls).items()))
