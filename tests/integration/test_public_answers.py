"""The public answers from memory (live/public.py, api/public_path.py): `/`, the status and
the public view read no database while nothing changed, and show a change at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from server.domain import calendar
from server.live.public import FRESH_S
from server.store.query_count import QueryCount
from server.web.visitor_text import COOKIE
from tests.conftest import Clock, receive_json

STATUS = "/api/v1/offices/nakano/status"
VIEW = "/api/v1/views/public:nakano"
PUBLIC = [STATUS, VIEW, "/"]
ROUNDS = 20


@pytest.fixture
def queries(client: TestClient, clock: Clock) -> Iterator[QueryCount]:
    # The page's accuracy note is measured once a day in a thread of its own, started by
    # the first page: measured before counting.
    client.get("/")
    system = client.app.state.system  # type: ignore[attr-defined]
    source = client.app.state.accuracy_sources["nakano"]  # type: ignore[attr-defined]
    source.wait(calendar.business_day(system.office, clock()), timeout=60)
    count = QueryCount(client.app.state.system.engines).attach()  # type: ignore[attr-defined]
    yield count
    count.detach()


def version_of(client: TestClient, path: str) -> int:
    answer = client.get(path)
    assert answer.status_code == 200
    if path == "/":  # the page's config for public.js names the version it shows
        found = re.search(r'"version": (\d+)', answer.text)
        assert found is not None
        return int(found[1])
    return int(answer.headers["x-version"])


def issue(client: TestClient) -> None:
    answer = client.post("/api/v1/offices/nakano/tickets", json={"service": "moving"})
    assert answer.status_code == 201, answer.text


def test_repeated_public_answers_read_no_database(client: TestClient, queries: QueryCount) -> None:
    issue(client)
    first = {path: client.get(path) for path in PUBLIC}  # the first reads the store
    assert queries.total()["checkouts"] > 0
    before = queries.total()
    for _ in range(ROUNDS):
        for path in PUBLIC:
            again = client.get(path)
            assert again.status_code == 200
            assert again.content == first[path].content
    assert queries.total() == before  # no statement, not even a connection taken


def test_a_change_shows_in_the_next_answer(client: TestClient, queries: QueryCount) -> None:
    old = {path: version_of(client, path) for path in PUBLIC}
    assert len(set(old.values())) == 1
    issue(client)
    for path in PUBLIC:
        assert version_of(client, path) > old[path]
    before = queries.total()
    for path in PUBLIC:
        client.get(path)
    assert queries.total() == before


def test_time_alone_reads_again_after_fresh_s(
    client: TestClient, clock: Clock, queries: QueryCount
) -> None:
    page = client.get("/").text
    before = queries.total()
    clock.now += timedelta(seconds=FRESH_S - 0.5)
    assert client.get("/").text == page and queries.total() == before
    clock.now += timedelta(seconds=1)
    later = client.get("/").text
    assert queries.total()["checkouts"] > before["checkouts"]
    assert later != page  # 更新 hh:mm:ss moved


def test_the_hubs_snapshot_serves_the_answers(client: TestClient) -> None:
    public = client.app.state.public["nakano"]  # type: ignore[attr-defined]
    with client.websocket_connect("/ws/v1/public:nakano") as ws:
        first = receive_json(ws)
        issue(client)
        pushed = receive_json(ws)
        assert pushed["version"] > first["version"]
        reads = public.reads
        status = client.get(STATUS)
    assert status.json() == pushed["view"]
    assert int(status.headers["x-version"]) == pushed["version"]
    assert public.reads == reads  # taken from the hub, not read again


@pytest.mark.parametrize("path", PUBLIC)
def test_a_public_answer_is_cacheable_and_304_when_unchanged(
    client: TestClient, queries: QueryCount, path: str
) -> None:
    answer = client.get(path)
    assert answer.headers["cache-control"] == f"public, max-age={FRESH_S}"
    etag = answer.headers["etag"]
    assert re.fullmatch(r'"\d+-[0-9a-f]{16}"', etag)  # strong: the version and the bytes'
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    if path == "/":
        assert answer.headers["vary"] == "Accept-Language, Cookie"


def test_the_page_that_switches_the_language_is_not_cacheable(client: TestClient) -> None:
    answer = client.get("/?lang=en")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["set-cookie"].startswith(f"{COOKIE}=en;")
    assert 'lang="en"' in answer.text
