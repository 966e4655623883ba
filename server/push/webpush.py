"""Web Push (RFC 8030), its payload encrypted for the browser (RFC 8291, aes128gcm) and
signed by this installation's VAPID key (RFC 8292), through pywebpush."""

from __future__ import annotations

import base64
import logging

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from server import accounts
from server.store.push import Subscription
from server.store.unit_of_work import Writer

from .notifier import Outcome

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 10.0  # a push service that does not answer: retried later
TTL_S = 3600  # a notice older than an hour is no use to someone waiting today
VAPID_SETTING = "vapid_private_key"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _new_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64url(key.private_numbers().private_value.to_bytes(32, "big"))


class VapidKey:
    """The installation's VAPID key pair: made once, kept in the setting table."""

    def __init__(self, private_raw: str) -> None:
        self.vapid = Vapid02.from_raw(private_raw.encode())
        point = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public = _b64url(point)  # the browser's applicationServerKey

    @classmethod
    def of_installation(cls, writer: Writer) -> VapidKey:
        return cls(accounts.setting(writer, VAPID_SETTING, _new_private_key))


class WebPush:
    """The Web Push adapter of the Notifier seam."""

    def __init__(self, key: VapidKey, contact: str, timeout_s: float = SEND_TIMEOUT_S) -> None:
        self.key, self.contact, self.timeout_s = key, contact, timeout_s

    def send(self, target: Subscription, payload: str) -> Outcome:
        info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
        with requests.Session() as session:
            session.max_redirects = 0  # a push service answers; it never sends us elsewhere
            session.trust_env = False  # no proxy from the environment between us and it
            try:
                webpush(
                    info,
                    payload,
                    vapid_private_key=self.key.vapid,
                    vapid_claims={"sub": self.contact},
                    timeout=self.timeout_s,
                    ttl=TTL_S,
                    requests_session=session,
                )
            except WebPushException as e:
                status = None if e.response is None else e.response.status_code
                return _outcome(status, str(e).splitlines()[0])
            except requests.TooManyRedirects:
                return Outcome.FAILED
            except (requests.RequestException, OSError) as e:
                log.info("push service unreachable: %s", type(e).__name__)
                return Outcome.RETRY
            except ValueError as e:  # keys that are no curve point
                log.warning("push refused: %s", e)
                return Outcome.FAILED
        return Outcome.SENT


def _outcome(status: int | None, reason: str) -> Outcome:
    if status in (404, 410):
        return Outcome.GONE
    if status is None:  # refused before any request (pywebpush: a key it cannot use)
        log.warning("push not sent: %s", reason)
        return Outcome.FAILED
    if status >= 500 or status == 429:
        return Outcome.RETRY
    log.warning("push refused: %s", reason)
    return Outcome.FAILED
