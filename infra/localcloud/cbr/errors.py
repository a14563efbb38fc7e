"""CBR answers, in CBR's flat ``{"error_code", "error_msg"}`` shape.

Huawei documents CBR's ``BackupService.*`` codes only in part; the codes below are
invented in that style where no documented code fits, and say so.
"""

from __future__ import annotations

from localcloud.core.errors import CloudError


def invalid_parameter(name: str) -> CloudError:
    """400 for a query parameter out of range (invented code)."""
    return CloudError(400, "BackupService.0002", f"Invalid parameter: {name}.")
