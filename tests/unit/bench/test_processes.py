"""bench/processes.py: its delivery check finds a lost, repeated or reordered event and a
resync, and the nginx it runs is docs/deploy.md's block with every process upstream."""

from __future__ import annotations

import json
from pathlib import Path

from bench.processes import Screen, check, nginx_config


def frame(version: int, seqs: list[int], resync: bool = False) -> bytes:
    events = [{"seq": s, "type": "ticket.called", "number": f"A-{s:03d}"} for s in seqs]
    tail = ',"resync":true}' if resync else "}"
    head = f'{{"type":"view","channel":"public:nakano","version":{version},'
    return (head + f'"view":{{"version":{version}}},"events":{json.dumps(events)}{tail}').encode()


def screen_of(*frames: bytes) -> Screen:
    s = Screen("public:nakano", 0)
    for i, f in enumerate(frames):
        s.on_text(float(i), f)
    return s


EXPECTED = {"public:nakano": [1, 2, 3, 4, 5, 6]}


def test_every_event_once_in_order_passes() -> None:
    s = screen_of(frame(2, []), frame(3, [3]), frame(5, [4, 5]), frame(6, [6]))
    assert s.called == {"A-003": 1.0, "A-004": 2.0, "A-005": 2.0, "A-006": 3.0}
    assert check([s], EXPECTED, 6) == {"lost": 0, "repeated": 0, "out_of_order": 0, "problems": 0}


def test_a_lost_event_is_counted() -> None:
    s = screen_of(frame(2, []), frame(3, [3]), frame(6, [6]))
    assert check([s], EXPECTED, 6)["lost"] == 2


def test_a_repeated_event_and_a_repeated_version_are_counted() -> None:
    s = screen_of(frame(2, []), frame(3, [3]), frame(3, [3]), frame(6, [4, 5, 6]))
    result = check([s], EXPECTED, 6)
    assert result["repeated"] == 1 and result["problems"] == 1 and result["lost"] == 0


def test_events_out_of_order_and_a_resync_are_counted() -> None:
    s = screen_of(frame(2, []), frame(4, [4, 3]), frame(6, [5, 6], resync=True))
    result = check([s], EXPECTED, 6)
    assert result["out_of_order"] == 1 and result["problems"] == 1


def test_a_reconnection_may_start_at_the_version_it_held() -> None:
    s = screen_of(frame(2, []), frame(3, [3]))
    s._first_of_connection = True  # what keep_connected sets before it connects again
    s.on_text(9.0, frame(3, []))
    s.on_text(10.0, frame(6, [4, 5, 6]))
    assert s.path().endswith("&since=6")
    assert check([s], EXPECTED, 6) == {"lost": 0, "repeated": 0, "out_of_order": 0, "problems": 0}


def test_nginx_runs_the_deploy_block_with_every_process_and_websockets_passed(
    tmp_path: Path,
) -> None:
    text = nginx_config(tmp_path, [8101, 8102, 8103], 9000).read_text()
    upstream = text[text.index("upstream madoguchi {") : text.index("}", text.index("upstream"))]
    assert [ln.strip() for ln in upstream.splitlines() if ln.strip().startswith("server ")] == [
        "server 127.0.0.1:8101;",
        "server 127.0.0.1:8102;",
        "server 127.0.0.1:8103;",
    ]
    assert "least_conn;" in upstream
    assert "listen 127.0.0.1:9000;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $madoguchi_connection;" in text
    assert "proxy_http_version 1.1;" in text


def test_a_screen_waits_as_the_display_page_does_before_connecting_again() -> None:
    s = Screen("display:display-2f", 0)
    waits = [s.backoff() for _ in range(8)]
    for i, wait in enumerate(waits):
        ceiling = min(30.0, 0.5 * 2**i)
        assert ceiling / 2 <= wait <= ceiling, (i, wait)
    s.on_text(0.0, frame(2, []))  # a view resets it
    assert 0.25 <= s.backoff() <= 0.5
