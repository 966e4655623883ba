"""Form entries encrypted at rest: AES-256-GCM with a key from the settings
(``MADOGUCHI_DATA_KEY``), each ciphertext bound to its office and ticket (associated data),
so that a row copied onto another ticket does not decrypt."""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1."
NONCE_BYTES = 12


class DataKeyError(ValueError):
    pass


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise DataKeyError("MADOGUCHI_DATA_KEY is not urlsafe base64") from None
    if len(raw) != 32:
        raise DataKeyError(
            "MADOGUCHI_DATA_KEY must be 32 bytes in urlsafe base64 "
            '(python -c "import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())")'
        )
    return raw


class Cipher:
    def __init__(self, key: str) -> None:
        self._aead = AESGCM(parse_key(key))

    def seal(self, data: dict[str, Any], context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = self._aead.encrypt(nonce, plain, context.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, text: str, context: str) -> dict[str, Any]:
        if not text.startswith(PREFIX):
            raise DataKeyError("not an encrypted entry")
        raw = base64.urlsafe_b64decode(text[len(PREFIX) :].encode())
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise DataKeyError("the entry does not decrypt with this key") from None
        data: dict[str, Any] = json.loads(plain)
        return data
