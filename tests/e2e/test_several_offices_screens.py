"""Two offices on one real uvicorn, in Chromium, as their staff use them: a member who is a
clerk at the hall and a supervisor at the branch signs in, switches the counter app to the
branch, opens its counter 1 and calls; the branch's display shows the number, the hall's
display (whose counter 1 is another counter) does not, and the branch's console is hers
while the hall's is not."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import ROOT, LiveServer, cli_device_token

from .conftest import submit_sign_in

HALL = str(ROOT / "server" / "offices" / "nakano.toml")
BRANCH = str(ROOT / "server" / "offices" / "minamidai.toml")
LEAD = ("lead1", "lead-password-1")
TIMEOUT_MS = 15_000


def _add_lead(database_url: str) -> None:
    env = {"MADOGUCHI_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    for args, stdin in (
        (["migrate", "--office", HALL, "--office", BRANCH], ""),
        (
            [
                "user",
                "add",
                LEAD[0],
                "--role",
                "supervisor",
                "--office-role",
                "nakano=clerk",
                "--office-role",
                "minamidai=supervisor",
            ],
            LEAD[1] + "\n",
        ),
    ):
        subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            input=stdin,
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )


def test_a_member_of_two_offices_works_the_branch_and_its_display_calls(
    browser: Any, live_server: Callable[..., LiveServer], sqlite_url: str
) -> None:
    _add_lead(sqlite_url)
    server = live_server(sqlite_url, "--office", HALL, "--office", BRANCH)
    issued = httpx.post(
        f"{server.url}/api/v1/offices/minamidai/tickets", json={"service": "certificates"}
    )
    assert issued.status_code == 201, issued.text
    number = issued.json()["number"]
    httpx.post(f"{server.url}/api/v1/offices/nakano/tickets", json={"service": "moving"})

    displays = {}
    for name in ("display-minamidai", "display-2f"):
        token = cli_device_token(sqlite_url, name)
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{server.url}/display/{name}#token={token}")
        page.locator("body[data-state=online]").wait_for()
        displays[name] = page

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(TIMEOUT_MS)
    counter = context.new_page()
    counter.goto(f"{server.url}/counter")
    submit_sign_in(counter, LEAD)
    counter.wait_for_url(f"{server.url}/counter")
    # Her first office is the hall: the switch names both, the hall chosen.
    switch = counter.locator("#office-switch")
    assert switch.input_value() == "nakano"
    assert switch.locator("option").all_text_contents() == ["中野区役所", "南台区民活動センター"]
    switch.select_option("minamidai")
    counter.wait_for_url(f"{server.url}/counter?office=minamidai")
    options = counter.locator("#counter-select option").evaluate_all(
        "(all) => all.map((o) => o.value)"
    )
    assert options == ["1", "2", "reception"]
    counter.locator("#counter-select").select_option("1")
    counter.locator("#btn-open").click()
    counter.locator("#counter-state").filter(has_text="開設中").wait_for()
    counter.locator("#call-next").click()
    counter.locator("#current-number").filter(has_text=number).wait_for()

    branch = displays["display-minamidai"]
    branch.locator(f".tile[data-number='{number}']").wait_for()
    assert branch.locator(f".tile[data-number='{number}'] .desk .n").text_content() == "1"
    hall = displays["display-2f"]
    hall.wait_for_timeout(1500)  # what a leak would need to arrive
    assert hall.locator(f".tile[data-number='{number}']").count() == 0

    console = context.new_page()
    console.goto(f"{server.url}/admin?office=minamidai")
    console.locator("#office-switch").wait_for()
    assert console.locator("#office-switch").input_value() == "minamidai"
    refused = console.goto(f"{server.url}/admin?office=nakano")
    assert refused is not None and refused.status == 403
    for page in (*displays.values(), counter, console):
        page.context.close()
