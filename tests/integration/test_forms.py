"""The pre-entry form API through the real app: a visitor's entries are normalised and saved
(encrypted), errors name the field in the ticket's language and keep what was valid; only
the clerk at the counter serving the ticket reads them (audited), confirms them and gets the
PDF and the JSON export; purge erases them at the end of the day and keeps the statistics."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
from sqlalchemy import select, text
from starlette.testclient import TestClient

from server import accounts
from tests.conftest import CLERK, Clock, sign_in

OFFICE = "/api/v1/offices/nakano"
CLERK2 = ("clerk2", "clerk-password-2")
SUPERVISOR = ("boss1", "boss-password-1")
MOVING = {
    "kind": "in",
    "moved_on": "R8.11.20",
    "name": "中野　太郎",
    "name_kana": "なかの　たろう",
    "birth_date": "昭和60年4月1日",
    "old_postal_code": "5300001",
    "old_address": "",
    "new_postal_code": "164-8501",
    "new_address": "東京都中野区中野４丁目１１番１９号",
    "head_of_household": "中野　太郎",
    "relationship": "self",
    "members": [
        {
            "name": "中野　花子",
            "name_kana": "ナカノ ハナコ",
            "birth_date": "S62.6.1",
            "relationship": "spouse",
        }
    ],
    "phone": "09012345678",
}


def issue(client: TestClient, service: str = "moving", lang: str = "ja") -> dict[str, Any]:
    answer = client.post(f"{OFFICE}/tickets", json={"service": service, "lang": lang})
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def put(client: TestClient, token: str, values: dict[str, Any], complete: bool = False) -> Any:
    return client.put(
        f"/api/v1/visitor/{token}/form", json={"values": values, "complete": complete}
    )


def call_at(client: TestClient, staff: dict[str, str], counter: str = "1") -> dict[str, Any]:
    assert client.post(f"{OFFICE}/counters/{counter}/open", headers=staff).status_code == 200
    called = client.post(f"{OFFICE}/counters/{counter}/call-next", headers=staff)
    assert called.status_code == 200, called.text
    result: dict[str, Any] = called.json()
    return result


def test_the_form_of_a_service_is_public_and_lists_the_fields(client: TestClient) -> None:
    answer = client.get(f"{OFFICE}/services/moving/form")
    assert answer.status_code == 200
    form = answer.json()
    assert [f["id"] for f in form["fields"]] == [
        "kind", "moved_on", "name", "name_kana", "birth_date", "old_postal_code", "old_address",
        "new_postal_code", "new_address", "head_of_household", "relationship", "members", "phone",
    ]  # fmt: skip
    members = next(f for f in form["fields"] if f["id"] == "members")
    assert [f["id"] for f in members["fields"]] == [
        "name",
        "name_kana",
        "birth_date",
        "relationship",
    ]
    assert {o["value"] for o in form["fields"][0]["options"]} == {"in", "out", "within"}
    assert form["fields"][1]["labels"]["en"]
    certificates = client.get(f"{OFFICE}/services/certificates/form").json()
    assert {"certificate", "copies", "whom", "purpose"} <= {f["id"] for f in certificates["fields"]}
    assert client.get(f"{OFFICE}/services/mynumber/form").status_code == 404
    assert client.get(f"{OFFICE}/services/nothing/form").status_code == 404


def test_postal_lookup_answers_prefecture_city_and_town(client: TestClient) -> None:
    found = client.get("/api/v1/postal/1648501").json()
    assert (found["prefecture"], found["city"], found["town"]) == ("東京都", "中野区", "中野")
    assert found["postal_code"] == "164-8501"
    assert client.get("/api/v1/postal/164-0001").json()["address"] == "東京都中野区中野"
    unknown = client.get("/api/v1/postal/0000000?lang=en")
    assert unknown.status_code == 404 and "Postal code" in unknown.json()["message"]
    assert client.get("/api/v1/postal/12345").status_code == 422


def test_a_visitor_saves_and_gets_normalised_values(client: TestClient) -> None:
    ticket = issue(client)
    answer = put(client, ticket["token"], MOVING, complete=True)
    assert answer.status_code == 200, answer.text
    values = answer.json()["values"]
    assert values["name_kana"] == "ナカノ\u3000タロウ"
    assert values["birth_date"] == "1985-04-01" and values["moved_on"] == "2026-11-20"
    assert values["new_address"] == "東京都中野区中野4丁目11番19号"
    assert values["old_address"] == "大阪府大阪市北区梅田"  # filled from the postal code
    assert values["members"][0] == {
        "name": "中野 花子",
        "name_kana": "ナカノ\u3000ハナコ",
        "birth_date": "1987-06-01",
        "relationship": "spouse",
    }
    assert values["phone"] == "090-1234-5678"
    again = client.get(f"/api/v1/visitor/{ticket['token']}/form").json()
    assert again["values"] == values and again["ticket"]["number"] == ticket["number"]


def test_errors_name_the_field_in_the_tickets_language_and_keep_what_was_valid(
    client: TestClient,
) -> None:
    bad = {
        **MOVING,
        "birth_date": "令和0年5月1日",
        "moved_on": "2026年2月30日",
        "name_kana": "中野たろう",
    }
    for lang, words in [
        ("ja", ["生年月日", "令和0年", "2月30日", "フリガナ", "漢字"]),
        ("en", ["Date of birth", "year 0 of Reiwa", "no day 30 in month 2", "Reading", "kanji"]),
    ]:
        ticket = issue(client, lang=lang)
        answer = put(client, ticket["token"], bad)
        assert answer.status_code == 422
        body = answer.json()
        assert body["code"] == "invalid_form"
        assert {e["field"] for e in body["errors"]} == {"birth_date", "moved_on", "name_kana"}
        messages = " ".join(e["message"] for e in body["errors"])
        for word in words:
            assert word in messages, (lang, word, messages)
        # What was valid is kept, and saved.
        assert body["values"]["phone"] == "090-1234-5678" and "birth_date" not in body["values"]
        stored = client.get(f"/api/v1/visitor/{ticket['token']}/form").json()["values"]
        assert stored["name"] == "中野 太郎" and "birth_date" not in stored


def test_an_autosave_may_leave_required_fields_empty_a_submission_may_not(
    client: TestClient,
) -> None:
    ticket = issue(client, lang="en")
    partial = put(client, ticket["token"], {"name": "Nakano Taro"})
    assert partial.status_code == 200
    assert "phone" in partial.json()["missing"]
    full = put(client, ticket["token"], {"name": "Nakano Taro"}, complete=True)
    assert full.status_code == 422
    required = [e for e in full.json()["errors"] if e["field"] == "phone"]
    assert required and "Daytime phone number" in required[0]["message"]


def test_a_visitor_token_reads_only_its_own_ticket(client: TestClient) -> None:
    mine, theirs = issue(client), issue(client)
    assert put(client, theirs["token"], MOVING).status_code == 200
    own = client.get(f"/api/v1/visitor/{mine['token']}/form").json()
    assert own["values"] == {} and own["ticket"]["number"] == mine["number"]
    assert client.get("/api/v1/visitor/not-a-token/form").status_code == 404
    # A visitor's token is no staff token: the staff routes refuse it.
    bearer = {"Authorization": f"Bearer {mine['token']}"}
    assert client.get(f"/api/v1/tickets/{theirs['id']}/form", headers=bearer).status_code == 401


def test_only_the_clerk_serving_the_ticket_reads_its_form_and_each_view_is_audited(
    client: TestClient,
) -> None:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, *CLERK2, accounts.Role.CLERK)
    accounts.add_user(writer, *SUPERVISOR, accounts.Role.SUPERVISOR)
    clerk, clerk2, boss = sign_in(client), sign_in(client, CLERK2), sign_in(client, SUPERVISOR)
    ticket = issue(client)
    waiting = issue(client)
    put(client, ticket["token"], MOVING)
    path = f"/api/v1/tickets/{ticket['id']}/form"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=clerk).status_code == 403  # not called yet
    assert call_at(client, clerk)["id"] == ticket["id"]
    seen = client.get(path, headers=clerk)
    assert seen.status_code == 200
    assert seen.json()["values"]["name"] == "中野 太郎"
    assert client.get(path, headers=clerk2).status_code == 403  # another clerk
    assert client.get(path, headers=boss).status_code == 200  # a supervisor may (audited)
    other = f"/api/v1/tickets/{waiting['id']}/form"
    assert client.get(other, headers=clerk).status_code == 403
    for route in ("form.pdf", "form.json"):
        assert (
            client.get(f"/api/v1/tickets/{waiting['id']}/{route}", headers=clerk).status_code == 403
        )
    confirm = f"/api/v1/tickets/{waiting['id']}/form/confirm"
    assert client.post(confirm, headers=clerk, json={}).status_code == 403
    # The audit log: supervisors only.
    assert client.get(f"{OFFICE}/form-audit").status_code == 401
    assert client.get(f"{OFFICE}/form-audit", headers=clerk).status_code == 403
    audit = client.get(f"{OFFICE}/form-audit", headers=boss).json()["audit"]
    assert [(a["ticket"], a["actor"], a["action"], a["counter"]) for a in audit] == [
        (ticket["id"], SUPERVISOR[0], "view", "1"),  # newest first
        (ticket["id"], CLERK[0], "view", "1"),
    ]


def test_the_clerk_confirms_with_corrections_and_gets_the_pdf_and_the_export(
    client: TestClient,
) -> None:
    clerk = sign_in(client)
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    call_at(client, clerk)
    path = f"/api/v1/tickets/{ticket['id']}/form"
    values = client.get(path, headers=clerk).json()["values"]
    wrong = client.post(
        f"{path}/confirm", headers=clerk, json={"values": {**values, "phone": "12"}}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "phone"
    fixed = {**values, "new_address": "東京都中野区中野4丁目11番19号 101号室"}
    confirmed = client.post(f"{path}/confirm", headers=clerk, json={"values": fixed})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed_by"] == CLERK[0]
    # The visitor can no longer change it.
    locked = put(client, ticket["token"], MOVING)
    assert locked.status_code == 409 and locked.json()["code"] == "form_confirmed"
    pdf = client.get(f"{path}.pdf", headers=clerk)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text_ = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for shown in (
        "住民異動届",
        "中野 太郎",
        "ナカノ\u3000タロウ",
        "昭和60年4月1日",
        "101号室",
        "090-1234-5678",
        "〒164-8501",
        "A-001",
    ):
        assert shown in text_, shown
    export = client.get(f"{path}.json", headers=clerk)
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    assert export.json()["values"]["new_address"].endswith("101号室")
    actions = [
        (a["action"])
        for a in client.app.state.system.forms.entries.audit_log(ticket["id"])  # type: ignore[attr-defined]
    ]
    assert sorted(actions) == ["confirm", "export", "pdf", "view"]


def test_entries_are_encrypted_at_rest(client: TestClient) -> None:
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn:
        [(stored,)] = conn.execute(text("SELECT data FROM form_entry")).all()
    assert stored.startswith("v1.")
    # Whole values as stored (normalised), each long enough that a base64 ciphertext does
    # not hold one by chance ("090" alone did, about once in a thousand runs).
    for secret in ("太郎", "タロウ", "1985-04-01", "09012345678", "164-8501", "中野区中野"):
        assert secret not in stored


def test_purge_erases_entries_at_the_end_of_the_day_and_keeps_the_statistics(
    client: TestClient, clock: Clock
) -> None:
    clerk = sign_in(client)
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    call_at(client, clerk)
    client.get(f"/api/v1/tickets/{ticket['id']}/form", headers=clerk)
    for action in ("start", "finish"):
        assert (
            client.post(f"/api/v1/tickets/{ticket['id']}/{action}", headers=clerk).status_code
            == 200
        )
    status_before = client.get(f"{OFFICE}/status").json()
    entries = client.app.state.system.forms.entries  # type: ignore[attr-defined]
    assert entries.purge(clock.now) == 0  # 10:00: kept until the office closes
    clock.now += timedelta(hours=7, minutes=1)  # 17:01 in Tokyo
    assert entries.purge(clock.now) == 1
    assert entries.load(ticket["id"]) is None
    assert client.get(f"/api/v1/visitor/{ticket['token']}/form").status_code == 409  # closed
    status_after = client.get(f"{OFFICE}/status").json()
    assert status_after["done_today"] == status_before["done_today"] == 1
    assert [a["action"] for a in entries.audit_log(ticket["id"])] == ["view"]
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 1
        assert conn.execute(select(text("1")).select_from(text("form_entry"))).all() == []


def test_no_personal_data_reaches_the_public_display_or_counter_channels(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    clerk = sign_in(client)
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    call_at(client, clerk)
    for channel in ("public:nakano", "counter:1", "admin:nakano", f"ticket:{ticket['token']}"):
        reader = supervisor if channel.startswith("admin:") else clerk  # the floor's readers
        answer = client.get(f"/api/v1/views/{channel}", headers=reader)
        assert answer.status_code == 200, (channel, answer.text)
        body = answer.text
        for secret in ("太郎", "タロウ", "1985-04-01", "090-1234-5678", "中野4丁目"):
            assert secret not in body, (channel, secret)


def test_madoguchi_purge_erases_entries_from_the_command_line(client: TestClient) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    url = client.app.state.system.engines.url  # type: ignore[attr-defined]
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": url}
    # (Without --all it erases by the real clock; the retention rule is tested above.)
    run = [sys.executable, "-m", "server.cli", "purge", "--all"]
    erased = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert erased.stdout.strip() == "purged 1 form entries"
    assert client.get(f"/api/v1/visitor/{ticket['token']}/form").json()["values"] == {}


def test_production_refuses_to_start_without_a_data_key(sqlite_url: str) -> None:
    import pytest

    from server.app import create_app
    from server.forms.crypto import DataKeyError, new_key
    from server.settings import Settings

    with pytest.raises(DataKeyError, match="MADOGUCHI_DATA_KEY"):
        create_app(Settings(database_url=sqlite_url, env="production"))
    with pytest.raises(DataKeyError):
        create_app(Settings(database_url=sqlite_url, env="production", data_key="short"))
    app = create_app(Settings(database_url=sqlite_url, env="production", data_key=new_key()))
    app.state.system.engines.dispose()


def test_every_staff_form_route_refuses_the_anonymous_and_device_tokens(
    client: TestClient,
) -> None:
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    kiosk = {"Authorization": f"Bearer {accounts.device_token(writer, 'kiosk-2f')}"}
    base = f"/api/v1/tickets/{ticket['id']}"
    routes = [
        ("GET", f"{base}/form"),
        ("POST", f"{base}/form/confirm"),
        ("GET", f"{base}/form.pdf"),
        ("GET", f"{base}/form.json"),
        ("GET", f"{OFFICE}/form-audit"),
    ]
    for headers in ({}, kiosk, {"Authorization": "Bearer forged"}):
        for method, path in routes:
            answer = client.request(method, path, headers=headers)
            assert answer.status_code == 401, (method, path, headers)
            assert "太郎" not in answer.text


def test_complete_is_a_boolean_not_a_word(client: TestClient) -> None:
    ticket = issue(client)
    for word_ in ["yes", "true", 1, None]:
        answer = client.put(
            f"/api/v1/visitor/{ticket['token']}/form",
            json={"values": {"name": "Nakano Taro"}, "complete": word_},
        )
        assert answer.status_code == 422, (word_, answer.text)
        assert answer.json()["code"] == "invalid_request"
        assert answer.json()["field"] == "complete"


def _put_raw(client: TestClient, token: str, raw: str) -> Any:
    return client.put(
        f"/api/v1/visitor/{token}/form",
        content=raw.encode("ascii"),
        headers={"Content-Type": "application/json"},
    )


def test_lone_surrogates_deep_nesting_and_year_0_are_422s_that_name_the_field(
    client: TestClient,
) -> None:
    token = issue(client)["token"]
    # JSON's \ud800 escape: a lone surrogate, no character of any text (issue 14, item 6).
    for raw, field in [
        ('{"values": {"name": "\\ud800"}}', "values.name"),
        ('{"values": {"\\ud800": "x"}}', "values"),
        ('{"values": {"members": [{"name": "a\\udfffb"}]}}', "values.members[0].name"),
    ]:
        answer = _put_raw(client, token, raw)
        assert answer.status_code == 422, (raw, answer.text)
        body = answer.json()
        assert body["code"] == "invalid_text" and body["field"] == field, body
        assert "文字" in body["message"]
    deep = '{"values": {"name": ' + "[" * 20000 + "]" * 20000 + "}}"
    answer = _put_raw(client, token, deep)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "too_deep" and answer.json()["field"].startswith("values.name")
    for year_0 in ["0000-01-01", "٠٠٠٠-٠١-٠١", "00000101"]:
        answer = put(client, token, {"birth_date": year_0})
        assert answer.status_code == 422, (year_0, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == ["birth_date"]
    # Nothing bad was kept; the form still saves.
    assert put(client, token, {"name": "中野　太郎"}).status_code == 200


NOTE = "妊娠中のため椅子を用意（中野太郎さん）"


def _transfer(client: TestClient, staff: dict[str, str], ticket: str, **body: str) -> None:
    started = client.post(f"/api/v1/tickets/{ticket}/start", headers=staff)
    assert started.status_code == 200, started.text
    moved = client.post(f"/api/v1/tickets/{ticket}/transfer", headers=staff, json=body)
    assert moved.status_code == 200, moved.text


def test_a_transfer_note_is_sealed_and_read_only_by_the_receiving_counter_audited(
    client: TestClient,
) -> None:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    clerk3 = ("clerk3", "clerk-password-3")
    for user in (CLERK2, clerk3):
        accounts.add_user(writer, *user, accounts.Role.CLERK)
    accounts.add_user(writer, *SUPERVISOR, accounts.Role.SUPERVISOR)
    clerk, clerk2, other, boss = (sign_in(client, u) for u in (CLERK, CLERK2, clerk3, SUPERVISOR))
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    call_at(client, clerk, "1")
    _transfer(client, clerk, ticket["id"], service="koseki", note=NOTE)
    # At rest: sealed in the event log, like the form's entries.
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn:
        stored = conn.execute(text("SELECT data FROM event WHERE type = 'ticket.transferred'"))
        [data] = [row[0] for row in stored]
    assert "椅子" not in data and '"note":"v1.' in data.replace(" ", "")
    # The receiving counter (8 serves koseki) reads it, and the read is audited.
    assert call_at(client, clerk2, "8")["id"] == ticket["id"]
    path = f"/api/v1/tickets/{ticket['id']}/form"
    seen = client.get(path, headers=clerk2).json()
    assert [(t["from"], t["to"], t["note"]) for t in seen["transfers"]] == [
        ("moving", "koseki", NOTE)
    ]
    # Sent on without a note: counter 9 (insurance) is not the note's receiver.
    _transfer(client, clerk2, ticket["id"], service="insurance")
    assert call_at(client, other, "9")["id"] == ticket["id"]
    seen = client.get(path, headers=other).json()
    assert [t["note"] for t in seen["transfers"]] == [None, None]
    audit = client.get(f"{OFFICE}/form-audit", headers=boss).json()["audit"]
    assert [(a["actor"], a["action"], a["counter"]) for a in reversed(audit)] == [
        (CLERK2[0], "view", "8"),
        (CLERK2[0], "note", "8"),
        (clerk3[0], "view", "9"),
    ]


def test_the_visitor_form_closes_when_the_visit_is_done(client: TestClient) -> None:
    clerk = sign_in(client)
    done, cancelled = issue(client), issue(client)
    for ticket in (done, cancelled):
        assert put(client, ticket["token"], MOVING).status_code == 200
    call_at(client, clerk)
    for action in ("start", "finish"):
        acted = client.post(f"/api/v1/tickets/{done['id']}/{action}", headers=clerk)
        assert acted.status_code == 200, acted.text
    cancel = client.post(f"/api/v1/tickets/{cancelled['id']}/cancel", headers=clerk)
    assert cancel.status_code == 200, cancel.text
    for ticket in (done, cancelled):
        form = f"/api/v1/visitor/{ticket['token']}/form"
        for answer in (client.get(form), put(client, ticket["token"], {"name": "x"})):
            assert answer.status_code == 409, answer.text
            body = answer.json()
            assert body["code"] == "form_closed" and "終了" in body["message"]
            assert "太郎" not in answer.text


def test_purge_all_leaves_no_sealed_entry_or_note_in_the_sqlite_files(
    make_client: Any, sqlite_url: str
) -> None:
    from pathlib import Path

    client = make_client(sqlite_url)
    clerk = sign_in(client)
    ticket = issue(client)
    put(client, ticket["token"], MOVING)
    call_at(client, clerk)
    _transfer(client, clerk, ticket["id"], service="koseki", note=NOTE)
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn:
        entry = conn.execute(text("SELECT data FROM form_entry")).scalar()
        event = conn.execute(text("SELECT data FROM event WHERE type = 'ticket.transferred'"))
        sealed_note = event.scalar().split('"note":"', 1)[1].split('"', 1)[0]
    secrets = [entry[10:60].encode(), sealed_note[10:60].encode()]
    entries = client.app.state.system.forms.entries  # type: ignore[attr-defined]
    assert entries.purge(datetime.now(UTC), everything=True) == 1
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated
    for path in (database, wal):
        if path.exists():
            data = path.read_bytes()
            assert not any(s in data for s in secrets), path
