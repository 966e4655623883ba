"""Where the server may post a notice: the browsers' push services only, so that a
subscription cannot make the server post anywhere else (MADOGUCHI_PUSH_HOSTS replaces
the list)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Chrome/Edge-on-Android (FCM), Firefox, Safari, Edge on Windows. "*." matches subdomains.
DEFAULT_PUSH_HOSTS: tuple[str, ...] = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
MAX_ENDPOINT_CHARS = 1000


def parse_hosts(text: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in text.split(",") if h.strip())


def _allowed(host: str, hosts: tuple[str, ...]) -> bool:
    for pattern in hosts:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(endpoint: str, hosts: tuple[str, ...]) -> str | None:
    """Why the server will not post to `endpoint`, in the visitor's words; None if it may.
    https only; plain http only on an allow-listed loopback host (tests)."""
    if len(endpoint) > MAX_ENDPOINT_CHARS:
        return f"通知先のアドレスが長すぎます（{MAX_ENDPOINT_CHARS}文字まで）。"
    try:
        url = urlsplit(endpoint)
        host = (url.hostname or "").lower()
        url.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "通知先のアドレスが読めません。"
    if url.username or url.password:
        return "通知先のアドレスに利用者名は使えません。"
    if not host or not _allowed(host, hosts):
        return f"通知先 {host or endpoint!r} はブラウザーのプッシュサービスではありません。"
    if url.scheme == "https" or (url.scheme == "http" and _is_loopback(host)):
        return None
    return "通知先は https のアドレスにしてください。"
