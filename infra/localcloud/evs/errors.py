"""EVS answers; codes follow Huawei's EVS table, texts follow Cinder where Huawei is silent."""

from __future__ import annotations

from localcloud.core.errors import CloudError


def bad_request(message: str) -> CloudError:
    """400 EVS.5400 with a specific message."""
    return CloudError(400, "EVS.5400", message)


def volume_not_found() -> CloudError:
    """404 EVS.5404; the misspelt text is Huawei's own documented message."""
    return CloudError(
        404, "EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found."
    )


def transfer_not_found(transfer_id: str) -> CloudError:
    """404 EVS.5404 for a transfer that is gone or belongs to another project."""
    return CloudError(404, "EVS.5404", f"Transfer {transfer_id} could not be found.")


def invalid_volume(reason: str) -> CloudError:
    """400 EVS.5400 ``Invalid volume: <reason>`` (Cinder's ``InvalidVolume`` text)."""
    return bad_request(f"Invalid volume: {reason}")


def invalid_auth_key(transfer_id: str) -> CloudError:
    """400 EVS.5400 for a wrong ``auth_key`` (Cinder's ``InvalidAuthKey`` text)."""
    return bad_request(
        f"Invalid auth key: Attempt to transfer {transfer_id} with invalid auth key."
    )


def quota_exceeded() -> CloudError:
    """413 EVS.5413, Huawei's documented answer to a project out of disk quota."""
    return CloudError(413, "EVS.5413", "Insufficient volume quota.")


def target_project_forbidden() -> CloudError:
    """403 EVS.5403 for quotas of a project other than the caller's."""
    return CloudError(403, "EVS.5403", "Policy check failed.")
