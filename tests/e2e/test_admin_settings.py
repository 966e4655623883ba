"""The office run from the browser: an admin edits the settings and every screen follows
at the next version; a mistake is named at its field and nothing is saved; a supervisor
stops a service and posts a notice, and the kiosk says so at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import LiveServer, add_clerk, cli_device_token, sign_in

ADMIN = ("e2e-admin", "e2e-admin-password")
KIOSK = "kiosk-2f"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP")
    yield context.new_page()
    context.close()


def _sign_in(page: Any, server: LiveServer, path: str, user: tuple[str, str]) -> None:
    page.goto(f"{server.url}{path}")
    page.fill("input[name=username]", user[0])
    page.fill("input[name=password]", user[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}{path}")


def _public(server: LiveServer) -> dict[str, Any]:
    view: dict[str, Any] = httpx.get(f"{server.url}/api/v1/views/public:nakano").json()
    return view


def test_an_admin_renames_a_service_and_a_wrong_prefix_is_named_at_its_field(
    page: Any, server: LiveServer, sqlite_url: str
) -> None:
    add_clerk(sqlite_url, ADMIN, role="admin")
    _sign_in(page, server, "/admin/settings", ADMIN)
    page.locator("#settings-revision").filter(has_text="版 1").wait_for()
    # A prefix another service uses: refused, the field marked and focused, nothing saved.
    prefix = page.locator('[data-path="services[1].prefix"]')
    prefix.fill("A")
    prefix.dispatch_event("change")
    page.click("#settings-save")
    error = page.locator("#settings-error")
    error.wait_for()
    assert "services[1].prefix" in error.inner_text()
    assert prefix.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.dataset.path") == "services[1].prefix"
    assert _public(server)["office"]["settings_revision"] == 1
    # Put it right and rename the moving service in Japanese.
    prefix.fill("B")
    prefix.dispatch_event("change")
    page.locator("#h-services").scroll_into_view_if_needed()
    name = page.locator('[data-path="services[0].names.ja"]')
    name.evaluate("input => input.closest('details').querySelector('summary').click()")
    name.fill("転入・転出・転居（住所変更）")
    name.dispatch_event("change")
    page.click("#settings-save")
    page.locator("#settings-revision").filter(has_text="版 2").wait_for()
    view = _public(server)
    moving = next(s for s in view["services"] if s["id"] == "moving")
    assert moving["names"]["ja"] == "転入・転出・転居（住所変更）"
    assert view["office"]["settings_revision"] == 2
    # Written to the audit log with what moved.
    with httpx.Client(base_url=server.url) as client:
        client.headers.update(sign_in(client, ADMIN))
        row = client.get("/api/v1/offices/nakano/audit").json()["audit"][0]
    assert row["action"] == "settings"
    assert row["after"] == {"services[moving].names.ja": "転入・転出・転居（住所変更）"}


def test_a_stopped_service_and_a_notice_show_on_the_kiosk_at_once(
    page: Any, server: LiveServer, sqlite_url: str, api: httpx.Client
) -> None:
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto(f"{server.url}/kiosk/{KIOSK}?token={cli_device_token(sqlite_url, KIOSK)}")
    button = page.locator('button.service[data-service="certificates"]')
    button.wait_for()
    assert button.get_attribute("aria-disabled") == "false"
    stopped = api.patch("/api/v1/offices/nakano/services/certificates", json={"issuing": "stopped"})
    assert stopped.status_code == 200, stopped.text
    page.locator('button.service[data-service="certificates"][aria-disabled="true"]').wait_for(
        timeout=5000
    )
    assert "発券を停止" in button.locator(".reason").inner_text()
    notice = api.put(
        "/api/v1/offices/nakano/notice", json={"text": {"ja": "本日は午後から混み合います"}}
    )
    assert notice.status_code == 200
    page.locator(".office-notice", has_text="本日は午後から混み合います").wait_for(timeout=5000)
    # The public page says it too, without a reload.
    public = page.context.new_page()
    public.goto(f"{server.url}/")
    assert "本日は午後から混み合います" in public.locator("#notice").inner_text()
    api.put("/api/v1/offices/nakano/notice", json={"text": {"ja": "窓口は 16:30 まで"}})
    public.locator("#notice", has_text="窓口は 16:30 まで").wait_for(timeout=5000)
    state = public.locator('article.service[data-service="certificates"] .issuing')
    assert state.get_attribute("data-state") == "stopped"


def test_an_admin_sets_the_rules_for_visitors_away_from_the_hall(
    page: Any, server: LiveServer, sqlite_url: str
) -> None:
    """The phone's "almost" count, and appointments turned on for a service, from the 設定
    tab: saved as one revision and in force at once (the ticket page's own count too)."""
    add_clerk(sqlite_url, ADMIN, role="admin")
    _sign_in(page, server, "/admin/settings", ADMIN)
    page.locator("#settings-revision").filter(has_text="版 1").wait_for()
    page.locator("#h-away").scroll_into_view_if_needed()
    ahead = page.locator('[data-path="office.push_ahead"]')
    assert ahead.input_value() == "3"
    ahead.fill("5")
    ahead.dispatch_event("change")
    index = page.evaluate(
        "[...document.querySelectorAll('[data-path$=\".id\"]')]"
        ".filter(i => i.dataset.path.startsWith('services[')).map(i => i.value)"
    ).index("moving")
    booking = page.locator(f'[data-path="services[{index}].appointments"]')
    assert not booking.is_checked()
    booking.check()
    capacity = page.locator(f'[data-path="services[{index}].appointments.capacity"]')
    capacity.fill("3")
    capacity.dispatch_event("change")
    page.click("#settings-save")
    page.locator("#settings-revision").filter(has_text="版 2").wait_for()
    with httpx.Client(base_url=server.url) as client:
        client.headers.update(sign_in(client, ADMIN))
        document = client.get("/api/v1/offices/nakano/settings").json()["document"]
        moving = next(s for s in document["services"] if s["id"] == "moving")
        assert document["office"]["push_ahead"] == 5
        assert moving["appointments"] == {"capacity": 3}
        # Bookable now: within the week some day offers slots of three places.
        today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
        offered = [
            client.get(
                "/api/v1/offices/nakano/slots",
                params={"service": "moving", "date": (today + timedelta(days=d)).isoformat()},
            ).json()
            for d in range(1, 8)
        ]
    assert {slot["capacity"] for day in offered for slot in day} == {3}
    # An open ticket page alerts with the new count.
    ticket = httpx.post(f"{server.url}/api/v1/offices/nakano/tickets", json={"service": "moving"})
    assert ticket.status_code == 201, ticket.text
    page.goto(f"{server.url}{ticket.json()['url']}")
    assert (
        page.evaluate("JSON.parse(document.getElementById('config').textContent).soon_ahead") == 5
    )
