"""In-memory KMS state and real AES-256-GCM envelopes.

Ciphertext layout (then Base64): a 124-byte header — magic ``LCKM``, format version,
the 36-character key id, the 12-byte nonce, zero padding — followed by the GCM output.
The header and the caller's ``additional_authenticated_data`` are both GCM associated
data, so decrypt needs no key id, and a changed header or AAD fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import os
import re
import threading
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from localcloud.kms import errors

HEADER_SIZE = 124
_MAGIC = b"LCKM"
_VERSION = 1
_NONCE_SIZE = 12
_KEY_ID = re.compile(r"^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$")

STATE_ENABLED = "2"
STATE_DISABLED = "3"


@dataclasses.dataclass
class Key:
    """A symmetric customer master key (AES_256) of one project."""

    key_id: str
    alias: str
    domain_id: str
    project_id: str
    region: str
    state: str = STATE_ENABLED
    description: str = ""
    material: bytes = dataclasses.field(
        default_factory=lambda: AESGCM.generate_key(256), repr=False
    )
    creation_date: str = dataclasses.field(
        default_factory=lambda: str(
            int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
        )
    )


def _header(key_id: str, nonce: bytes) -> bytes:
    head = _MAGIC + bytes([_VERSION]) + key_id.encode("ascii") + nonce

    return head.ljust(HEADER_SIZE, b"\0")


def _split(cipher_text: str) -> tuple[bytes, str, bytes, bytes]:
    """Return (header, key_id, nonce, sealed) of a ciphertext, or fail with KMS.2201."""
    try:
        raw = base64.b64decode(cipher_text, validate=True)
    except (binascii.Error, ValueError):
        raise errors.invalid_cipher_text() from None
    header, sealed = raw[:HEADER_SIZE], raw[HEADER_SIZE:]
    if (
        len(header) != HEADER_SIZE
        or header[:5] != _MAGIC + bytes([_VERSION])
        or not sealed
    ):
        raise errors.invalid_cipher_text()

    key_id = header[5:41].decode("ascii", errors="replace")
    nonce = header[41 : 41 + _NONCE_SIZE]

    return header, key_id, nonce, sealed


class KmsBackend:
    """Thread-safe KMS keys of every project."""

    def __init__(self, region: str) -> None:
        self._region = region
        self._lock = threading.Lock()
        self._keys: dict[str, Key] = {}

    def reset(self) -> None:
        """Forget every key."""
        with self._lock:
            self._keys.clear()

    def create_key(
        self,
        *,
        domain_id: str,
        project_id: str,
        alias: str,
        key_id: str | None = None,
        description: str = "",
    ) -> Key:
        """Create an enabled key with fresh random material."""
        key = Key(
            key_id=key_id or str(uuid.uuid4()),
            alias=alias,
            domain_id=domain_id,
            project_id=project_id,
            region=self._region,
            description=description,
        )
        with self._lock:
            if key.key_id in self._keys:
                raise ValueError(f"duplicate key id {key.key_id}")
            self._keys[key.key_id] = key

            return dataclasses.replace(key)

    def describe(self, project_id: str, key_id: str) -> Key:
        """Return a copy of a key of ``project_id``."""
        with self._lock:
            return dataclasses.replace(self._owned(project_id, key_id))

    def set_state(self, project_id: str, key_id: str, *, enabled: bool) -> Key:
        """Enable or disable a key; the opposite state is required first."""
        with self._lock:
            key = self._owned(project_id, key_id)
            if enabled and key.state != STATE_DISABLED:
                raise errors.key_not_disabled()
            if not enabled and key.state != STATE_ENABLED:
                raise errors.key_not_enabled()
            key.state = STATE_ENABLED if enabled else STATE_DISABLED

            return dataclasses.replace(key)

    def encrypt(self, project_id: str, key_id: str, plain: bytes, aad: bytes) -> str:
        """Seal ``plain`` under the key; return the Base64 envelope."""
        key = self._usable(project_id, key_id)
        nonce = os.urandom(_NONCE_SIZE)
        header = _header(key.key_id, nonce)

        sealed = AESGCM(key.material).encrypt(nonce, plain, header + aad)

        return base64.b64encode(header + sealed).decode("ascii")

    def decrypt(
        self, project_id: str, cipher_text: str, aad: bytes
    ) -> tuple[str, bytes]:
        """Open an envelope; return (key_id, plaintext)."""
        header, key_id, nonce, sealed = _split(cipher_text)
        key = self._usable(project_id, key_id)

        try:
            plain = AESGCM(key.material).decrypt(nonce, sealed, header + aad)
        except InvalidTag:
            raise errors.invalid_cipher_text() from None

        return key.key_id, plain

    def _usable(self, project_id: str, key_id: str) -> Key:
        with self._lock:
            key = dataclasses.replace(self._owned(project_id, key_id))
        if key.state == STATE_DISABLED:
            raise errors.key_disabled()

        return key

    def _owned(self, project_id: str, key_id: str) -> Key:
        if not _KEY_ID.match(key_id):
            raise errors.invalid_key_id()
        key = self._keys.get(key_id)
        if key is None or key.project_id != project_id:
            raise errors.key_not_found()

        return key
