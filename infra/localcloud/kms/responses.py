"""KMS request handlers (all ``POST /v1.0/{project_id}/kms/<action>``, answering 200)."""

from __future__ import annotations

import base64
import re
from typing import Any

from localcloud.core.context import RequestContext
from localcloud.core.routing import Reply
from localcloud.kms import errors
from localcloud.kms.models import Key, KmsBackend

MAX_PLAIN_TEXT = 4096
MAX_AAD = 128
_ALIAS = re.compile(r"^[a-zA-Z0-9:/_-]{1,255}$")


class KmsResponses:
    """The KMS operations localcloud answers, bound to one backend."""

    def __init__(self, backend: KmsBackend) -> None:
        self._backend = backend

    def create_key(self, ctx: RequestContext) -> Reply:
        """CreateKey. Does not model: key_spec other than AES_256, imported material."""
        body = ctx.json()
        alias = body.get("key_alias")
        if not isinstance(alias, str) or not _ALIAS.match(alias):
            raise errors.invalid_alias()

        key = self._backend.create_key(
            domain_id=ctx.principal.domain_id,
            project_id=ctx.project,
            alias=alias,
            description=str(body.get("key_description") or ""),
        )

        return Reply(
            200,
            {
                "key_info": {
                    "key_id": key.key_id,
                    "domain_id": key.domain_id,
                    "region_id": key.region,
                }
            },
        )

    def list_key_detail(self, ctx: RequestContext) -> Reply:
        """DescribeKey (``list_key_detail`` in the SDK)."""
        key = self._backend.describe(ctx.project, _key_id(ctx.json()))

        return Reply(200, {"key_info": key_details(key)})

    def enable_key(self, ctx: RequestContext) -> Reply:
        """EnableKey; the key must be disabled (KMS.1201 otherwise)."""
        key = self._backend.set_state(ctx.project, _key_id(ctx.json()), enabled=True)

        return Reply(200, {"key_info": {"key_id": key.key_id, "key_state": key.state}})

    def disable_key(self, ctx: RequestContext) -> Reply:
        """DisableKey; the key must be enabled (KMS.1301 otherwise)."""
        key = self._backend.set_state(ctx.project, _key_id(ctx.json()), enabled=False)

        return Reply(200, {"key_info": {"key_id": key.key_id, "key_state": key.state}})

    def encrypt_data(self, ctx: RequestContext) -> Reply:
        """EncryptData. Does not model: asymmetric algorithms, aliases as key_id, grants."""
        body = ctx.json()
        key_id = _key_id(body)
        plain = body.get("plain_text")
        if (
            not isinstance(plain, str)
            or not 0 < len(plain.encode("utf-8")) <= MAX_PLAIN_TEXT
        ):
            raise errors.invalid_plain_text()
        aad = _aad(body)

        cipher_text = self._backend.encrypt(
            ctx.project, key_id, plain.encode("utf-8"), aad
        )

        return Reply(200, {"key_id": key_id, "cipher_text": cipher_text})

    def decrypt_data(self, ctx: RequestContext) -> Reply:
        """DecryptData; the key id comes from the ciphertext. Wrong AAD → KMS.2201."""
        body = ctx.json()
        cipher_text = body.get("cipher_text")
        if not isinstance(cipher_text, str) or not cipher_text:
            raise errors.missing_parameter()
        aad = _aad(body)

        key_id, plain = self._backend.decrypt(ctx.project, cipher_text, aad)

        return Reply(
            200,
            {
                "key_id": key_id,
                "plain_text": plain.decode("utf-8", errors="replace"),
                "plain_text_base64": base64.b64encode(plain).decode("ascii"),
            },
        )


def _key_id(body: dict[str, Any]) -> str:
    key_id = body.get("key_id")
    if not isinstance(key_id, str) or not key_id:
        raise errors.missing_parameter()

    return key_id


def _aad(body: dict[str, Any]) -> bytes:
    value = body.get("additional_authenticated_data")
    if value is None:
        return b""
    aad = str(value).encode("utf-8")
    if len(aad) > MAX_AAD:
        raise errors.request_too_long()

    return aad


def key_details(key: Key) -> dict[str, Any]:
    """Serialise a key as ``KeyDetails``."""
    return {
        "key_id": key.key_id,
        "domain_id": key.domain_id,
        "key_alias": key.alias,
        "realm": key.region,
        "key_spec": "AES_256",
        "key_usage": "ENCRYPT_DECRYPT",
        "key_description": key.description,
        "creation_date": key.creation_date,
        "scheduled_deletion_date": "",
        "key_state": key.state,
        "default_key_flag": "0",
        "key_type": "1",
        "expiration_time": "",
        "origin": "kms",
        "key_rotation_enabled": "false",
        "sys_enterprise_project_id": "0",
    }
