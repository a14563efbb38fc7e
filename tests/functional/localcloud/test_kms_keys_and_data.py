"""KMS keys and encrypt/decrypt-data, through the real SDK."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkkms.v2 import (
    CreateKeyRequest,
    CreateKeyRequestBody,
    DecryptDataRequest,
    DecryptDataRequestBody,
    DisableKeyRequest,
    EnableKeyRequest,
    EncryptDataRequest,
    EncryptDataRequestBody,
    ListKeyDetailRequest,
    OperateKeyRequestBody,
)

from tests.functional.localcloud.conftest import ClientFactory
from tests.functional.localcloud.demo_ids import KEY_ID


def _encrypt(kms: Any, plain: str, aad: str | None = None, key_id: str = KEY_ID) -> Any:
    body = EncryptDataRequestBody(
        key_id=key_id, plain_text=plain, additional_authenticated_data=aad
    )
    return kms.encrypt_data(EncryptDataRequest(body=body))


def _decrypt(kms: Any, cipher_text: str, aad: str | None = None) -> Any:
    body = DecryptDataRequestBody(
        cipher_text=cipher_text, additional_authenticated_data=aad
    )
    return kms.decrypt_data(DecryptDataRequest(body=body))


def _error(
    caught: pytest.ExceptionInfo[ClientRequestException],
) -> tuple[int, str, str]:
    return caught.value.status_code, caught.value.error_code, caught.value.error_msg


def test_encrypt_then_decrypt_round_trips_with_aad(client: ClientFactory) -> None:
    kms = client("kms")

    encrypted = _encrypt(kms, "9266c59563c84664", aad="transfer-1")
    decrypted = _decrypt(kms, encrypted.cipher_text, aad="transfer-1")

    assert KEY_ID == encrypted.key_id
    assert 124 + 16 + 16 == len(base64.b64decode(encrypted.cipher_text))
    assert (KEY_ID, "9266c59563c84664") == (decrypted.key_id, decrypted.plain_text)


def test_encrypt_twice_gives_different_ciphertexts(client: ClientFactory) -> None:
    kms = client("kms")

    first, second = _encrypt(kms, "same"), _encrypt(kms, "same")

    assert first.cipher_text != second.cipher_text


def test_decrypt_with_wrong_aad_fails(client: ClientFactory) -> None:
    kms = client("kms")
    encrypted = _encrypt(kms, "secret", aad="transfer-1")

    with pytest.raises(ClientRequestException) as caught:
        _decrypt(kms, encrypted.cipher_text, aad="transfer-2")

    assert (400, "KMS.2201", "Invalid cipher_text.") == _error(caught)


def test_decrypt_of_tampered_ciphertext_fails(client: ClientFactory) -> None:
    kms = client("kms")
    raw = bytearray(base64.b64decode(_encrypt(kms, "secret").cipher_text))
    raw[-1] ^= 1

    with pytest.raises(ClientRequestException) as caught:
        _decrypt(kms, base64.b64encode(bytes(raw)).decode())

    assert (400, "KMS.2201", "Invalid cipher_text.") == _error(caught)


def test_disabled_key_refuses_encrypt_and_decrypt(client: ClientFactory) -> None:
    kms = client("kms")
    encrypted = _encrypt(kms, "secret")

    disabled = kms.disable_key(
        DisableKeyRequest(body=OperateKeyRequestBody(key_id=KEY_ID))
    )
    with pytest.raises(ClientRequestException) as on_encrypt:
        _encrypt(kms, "secret")
    with pytest.raises(ClientRequestException) as on_decrypt:
        _decrypt(kms, encrypted.cipher_text)

    assert "3" == disabled.key_info.key_state
    assert (400, "KMS.0209", "The key has been disabled.") == _error(on_encrypt)
    assert (400, "KMS.0209", "The key has been disabled.") == _error(on_decrypt)


def test_enable_key_restores_use(client: ClientFactory) -> None:
    kms = client("kms")
    kms.disable_key(DisableKeyRequest(body=OperateKeyRequestBody(key_id=KEY_ID)))

    enabled = kms.enable_key(
        EnableKeyRequest(body=OperateKeyRequestBody(key_id=KEY_ID))
    )

    assert "2" == enabled.key_info.key_state
    assert KEY_ID == _encrypt(kms, "ok").key_id


def test_enable_of_enabled_key_is_refused(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        client("kms").enable_key(
            EnableKeyRequest(body=OperateKeyRequestBody(key_id=KEY_ID))
        )

    assert (400, "KMS.1201", "The key is not disabled.") == _error(caught)


def test_key_of_other_project_does_not_exist(client: ClientFactory) -> None:
    kms_a, kms_b = client("kms"), client("kms", "account-b")
    encrypted = _encrypt(kms_a, "secret")

    with pytest.raises(ClientRequestException) as on_encrypt:
        _encrypt(kms_b, "secret")
    with pytest.raises(ClientRequestException) as on_decrypt:
        _decrypt(kms_b, encrypted.cipher_text)

    assert (404, "KMS.0207", "The key does not exist.") == _error(on_encrypt)
    assert (404, "KMS.0207", "The key does not exist.") == _error(on_decrypt)


def test_plain_text_over_4096_bytes_is_refused(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _encrypt(client("kms"), "x" * 4097)

    assert (400, "KMS.2101", "Invalid plain_text.") == _error(caught)


def test_create_key_then_describe_it(client: ClientFactory) -> None:
    kms = client("kms")

    created = kms.create_key(
        CreateKeyRequest(body=CreateKeyRequestBody(key_alias="test-key"))
    )
    details = kms.list_key_detail(
        ListKeyDetailRequest(body=OperateKeyRequestBody(key_id=created.key_info.key_id))
    ).key_info

    assert "a0000000000000000000000000000001" == created.key_info.domain_id
    assert ("test-key", "2", "AES_256") == (
        details.key_alias,
        details.key_state,
        details.key_spec,
    )
    assert (
        created.key_info.key_id
        == _encrypt(kms, "x", key_id=created.key_info.key_id).key_id
    )
