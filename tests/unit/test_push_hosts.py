"""Where the server may post a notice (server/push/hosts.py): the browsers' push services
over https, and plain http only on an allow-listed loopback host."""

from __future__ import annotations

import pytest

from server.push.hosts import DEFAULT_PUSH_HOSTS, endpoint_problem, parse_hosts
from server.push.notifier import Outcome
from server.push.webpush import _outcome


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
        "https://web.push.apple.com/QGx",
        "https://api.push.apple.com/3/device/x",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
        "https://FCM.googleapis.com:443/fcm/send/x",
    ],
)
def test_the_browsers_push_services_are_accepted(endpoint: str) -> None:
    assert endpoint_problem(endpoint, DEFAULT_PUSH_HOSTS) is None


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/x",  # not https
        "https://fcm.googleapis.com.evil.example/x",
        "https://evilfcm.googleapis.com/x",
        "https://push.apple.com.evil.example/x",
        "https://notify.windows.com/x",  # "*." is a subdomain, not the name itself
        "https://user@fcm.googleapis.com/x",
        "https://127.0.0.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://fcm.googleapis.com:bad/x",
        "fcm.googleapis.com/x",
        "https://fcm.googleapis.com/" + "x" * 1000,
    ],
)
def test_anything_else_is_refused_with_a_reason(endpoint: str) -> None:
    assert endpoint_problem(endpoint, DEFAULT_PUSH_HOSTS)


def test_plain_http_only_on_an_allow_listed_loopback_host() -> None:
    hosts = parse_hosts(" 127.0.0.1, push.example.org ,")
    assert hosts == ("127.0.0.1", "push.example.org")
    assert endpoint_problem("http://127.0.0.1:8123/push/1", hosts) is None
    assert endpoint_problem("http://push.example.org/push/1", hosts)
    assert endpoint_problem("https://push.example.org/push/1", hosts) is None
    assert endpoint_problem("http://localhost/push/1", hosts)  # not on the list


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, Outcome.GONE),
        (410, Outcome.GONE),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (429, Outcome.RETRY),
        (None, Outcome.FAILED),  # no answer at all is requests' exception: RETRY
        (400, Outcome.FAILED),
        (403, Outcome.FAILED),
        (413, Outcome.FAILED),
    ],
)
def test_a_push_services_answer_decides_what_becomes_of_the_notice(
    status: int | None, outcome: Outcome
) -> None:
    assert _outcome(status, "reason") is outcome
