"""KMS: sealing the ``auth_key`` to one transfer record."""

from __future__ import annotations

from typing import Any

from huaweicloudsdkkms.v2 import (
    DecryptDataRequest,
    DecryptDataRequestBody,
    EncryptDataRequest,
    EncryptDataRequestBody,
)
from pydantic import SecretStr

from evs_transfer.cloud.sdk import call

SERVICE = "kms"
MAX_AAD_BYTES = 128


class Kms:
    """Encrypt and decrypt small secrets with one customer master key."""

    def __init__(self, client: Any, key_id: str) -> None:
        self._client = client
        self.key_id = key_id

    def encrypt(self, plain_text: SecretStr, *, aad: str) -> str:
        """Encrypt ``plain_text``; the ciphertext decrypts only with the same ``aad``."""
        _check_aad(aad)
        body = EncryptDataRequestBody(
            key_id=self.key_id,
            plain_text=plain_text.get_secret_value(),
            additional_authenticated_data=aad,
        )
        response = call(
            SERVICE,
            "EncryptData",
            lambda: self._client.encrypt_data(EncryptDataRequest(body=body)),
        )

        return str(response.cipher_text)

    def decrypt(self, cipher_text: str, *, aad: str) -> SecretStr:
        """Decrypt ``cipher_text`` sealed with ``aad``; KMS refuses any other ``aad``."""
        _check_aad(aad)
        body = DecryptDataRequestBody(
            cipher_text=cipher_text, additional_authenticated_data=aad
        )
        # Decrypting changes nothing in the cloud, so it is safe to retry.
        response = call(
            SERVICE,
            "DecryptData",
            lambda: self._client.decrypt_data(DecryptDataRequest(body=body)),
            read=True,
        )

        return SecretStr(response.plain_text)


def _check_aad(aad: str) -> None:
    if not aad or len(aad.encode()) > MAX_AAD_BYTES:
        raise ValueError(
            f"additional authenticated data must be 1..{MAX_AAD_BYTES} bytes"
        )
