"""IAM routes (``huaweicloudsdkiam`` v3)."""

from __future__ import annotations

from localcloud.core.routing import Route
from localcloud.iam.responses import IamResponses


def iam_routes(responses: IamResponses) -> list[Route]:
    """Return the IAM route table bound to ``responses``."""
    return [
        Route(
            "POST",
            "/v3.0/OS-CREDENTIAL/securitytokens",
            "iam",
            "create_temporary_access_key_by_agency",
            responses.create_temporary_access_key_by_agency,
            scope="domain",
        ),
    ]
