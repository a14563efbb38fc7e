"""KMS routes (``huaweicloudsdkkms`` v2)."""

from __future__ import annotations

from localcloud.core.routing import Route
from localcloud.kms.responses import KmsResponses

_BASE = "/v1.0/{project_id}/kms/"


def kms_routes(responses: KmsResponses) -> list[Route]:
    """Return the KMS route table bound to ``responses``."""
    r = responses

    return [
        Route("POST", _BASE + "create-key", "kms", "create_key", r.create_key),
        Route(
            "POST", _BASE + "describe-key", "kms", "list_key_detail", r.list_key_detail
        ),
        Route("POST", _BASE + "enable-key", "kms", "enable_key", r.enable_key),
        Route("POST", _BASE + "disable-key", "kms", "disable_key", r.disable_key),
        Route("POST", _BASE + "encrypt-data", "kms", "encrypt_data", r.encrypt_data),
        Route("POST", _BASE + "decrypt-data", "kms", "decrypt_data", r.decrypt_data),
    ]
