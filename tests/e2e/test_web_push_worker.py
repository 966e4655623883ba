"""Web Push in Debian's Chromium against a real server (issue 16, item 3): the visitor
presses the alerts button, the page registers the service worker (/sw.js, the site's
scope), subscribes with the server's key and posts the subscription; the server, called,
posts an encrypted notice to a push endpoint of the test's own; and the service worker,
given that notice as a push event (CDP ServiceWorker.deliverPushMessage: headless Chromium
reaches no push service), shows it as a notification.

The browser's push service is the one part stood in for: PushManager.subscribe answers a
subscription whose keys the test holds (tests/integration/test_web_push.py's Browser)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import httpx

from server.cli import DEMO_SUPERVISOR
from tests.conftest import LiveServer, sign_in
from tests.integration.test_web_push import Browser, PushEndpoint

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
OFFICE = "/api/v1/offices/nakano"
SHOTS = os.environ.get("MADOGUCHI_SCREENSHOTS")
# The browser's push service, stood in for: the subscription the test made.
STUB_SUBSCRIBE = """
window.__pushKeys = [];
PushManager.prototype.getSubscription = async function () { return null; };
PushManager.prototype.subscribe = async function (options) {
  window.__pushKeys.push(Array.from(new Uint8Array(options.applicationServerKey)));
  return { toJSON: () => (SUBSCRIPTION) };
};
"""


def registration_id(cdp: Any, page: Any) -> str:
    """The service worker's registration, as DevTools names it."""
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)  # the events arrive as the browser is next asked
    assert found, "no service worker registration reported"
    return found[-1]


def test_the_service_worker_shows_the_servers_encrypted_notice(
    browser: Any, push_server: LiveServer, endpoint: PushEndpoint
) -> None:
    api = httpx.Client(base_url=push_server.url, timeout=10)
    api.headers.update(sign_in(api, DEMO_SUPERVISOR))
    ticket = api.post(f"{OFFICE}/tickets", json={"service": "certificates", "lang": "ja"}).json()
    phone = Browser(f"{endpoint.url}/push/phone")
    subscription = phone.subscription()["subscription"]

    context = browser.new_context(viewport=PHONE, locale="ja-JP", permissions=["notifications"])
    context.add_init_script(STUB_SUBSCRIBE.replace("SUBSCRIPTION", json.dumps(subscription)))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{push_server.url}/t/{ticket['token']}")
        page.locator('#live[data-live="true"]').wait_for()
        page.locator("#alerts").click()
        page.locator("#alerts-state").filter(has_text="画面を閉じても").wait_for()
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / "ticket-page-push.png"))
        scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
        assert scope == f"{push_server.url}/"
        key = api.get("/api/v1/push/key").json()["key"]
        sent = bytes(page.evaluate("window.__pushKeys[0]"))
        assert base64.urlsafe_b64encode(sent).rstrip(b"=").decode() == key

        api.post(f"{OFFICE}/counters/4/open").raise_for_status()
        api.post(f"{OFFICE}/counters/4/call-next").raise_for_status()
        endpoint.wait_for(2)  # "almost" (nobody ahead once the counter opened), the call
        notices = [phone.decrypt(body) for _, _, body in endpoint.received]
        called = next(n for n in notices if "窓口へお越しください" in n["body"])
        assert called["body"] == f"{ticket['number']}番：2F 4番窓口へお越しください"

        # The push service hands the (decrypted) notice to the worker: it shows it.
        cdp = context.new_cdp_session(page)
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": push_server.url,
                "registrationId": registration_id(cdp, page),
                "data": json.dumps(called, ensure_ascii=False),
            },
        )
        page.wait_for_function(
            "async () => (await (await navigator.serviceWorker.ready).getNotifications()).length > 0"
        )
        shown = page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                 .map((n) => [n.title, n.body, n.tag, n.data.url])"""
        )
        assert shown == [[called["title"], called["body"], called["tag"], f"/t/{ticket['token']}"]]
    finally:
        context.close()
        api.close()
