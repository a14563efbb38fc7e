"""EVS's own refusals: create-time transfer constraints and accept-time quotas."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkevs.v2 import (
    CinderListQuotasRequest,
    CinderShowVolumeTransferRequest,
    ShowVolumeRequest,
)

from localcloud import LocalCloud
from tests.functional.localcloud.conftest import ClientFactory
from tests.functional.localcloud.test_evs_volumes_and_transfers import _accept, _create
from tests.functional.localcloud.test_iam_agency_credentials import _assume
from tests.functional.localcloud.worlds import (
    A_DOMAIN,
    B_DOMAIN,
    B_PROJECT,
    OTHER_VOLUME,
    POLICY,
    SERVER,
    VAULT,
    VOLUME,
    two_accounts,
    volume,
)

_SYSTEM_DISK = {
    "servers": [{"id": SERVER, "name": "web-1"}],
    "volumes": [
        volume(
            status="in-use",
            attachments=[{"server_id": SERVER, "device": "/dev/vda", "boot_index": 0}],
        )
    ],
}
_BACKED_UP = {
    "vaults": [{"id": VAULT, "name": "v"}],
    "backups": [{"id": "bk-1", "volume_id": VOLUME, "vault_id": VAULT}],
}
_IN_VAULT = {
    "policies": [{"id": POLICY, "name": "daily"}],
    "vaults": [
        {"id": VAULT, "name": "v", "resources": [VOLUME], "policy_ids": [POLICY]}
    ],
}

REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "system_disk": (_SYSTEM_DISK, "system disks cannot be transferred"),
    "available": (
        {"volumes": [volume(status="error")]},
        "status must be available",
    ),
    "snapshots": (
        {"snapshots": [{"id": "snap-1", "volume_id": VOLUME}]},
        "volume has snapshots, which cannot be transferred",
    ),
    "backups": (_BACKED_UP, "volume has CBR backups, which cannot be transferred"),
    "backup_policy": (
        _IN_VAULT,
        "volume is associated with a backup policy (CBR vault)",
    ),
    "encrypted": (
        {"volumes": [volume(metadata={"__system__encrypted": "1"})]},
        "encrypted volumes cannot be transferred",
    ),
    "prepaid": (
        {"volumes": [volume(metadata={"orderID": "CS2401010000ABCDE"})]},
        "yearly/monthly volumes cannot be transferred",
    ),
    "dss": (
        {"volumes": [volume(service_type="DSS")]},
        "DSS and DESS volumes cannot be transferred",
    ),
    "dedicated_storage": (
        {"volumes": [volume(dedicated_storage_id="dss-pool-1")]},
        "DSS and DESS volumes cannot be transferred",
    ),
}


def _error(caught: pytest.ExceptionInfo[ClientRequestException]) -> tuple[Any, ...]:
    return caught.value.status_code, caught.value.error_code, caught.value.error_msg


@pytest.mark.parametrize("rule", sorted(REFUSALS))
def test_create_transfer_refuses_constrained_disk(
    localcloud: LocalCloud, client: ClientFactory, rule: str
) -> None:
    broker, reason = REFUSALS[rule]
    localcloud.seed(two_accounts(broker=broker))
    evs = client("evs")
    before = evs.show_volume(ShowVolumeRequest(volume_id=VOLUME)).volume.status

    with pytest.raises(ClientRequestException) as caught:
        _create(evs, VOLUME)

    after = evs.show_volume(ShowVolumeRequest(volume_id=VOLUME)).volume.status
    assert (400, "EVS.5400", f"Invalid volume: {reason}") == _error(caught)
    assert before == after


def test_vault_without_policy_still_blocks_transfer(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    vault = {"id": VAULT, "name": "v", "resources": [VOLUME]}
    localcloud.seed(two_accounts(broker={"vaults": [vault]}))

    with pytest.raises(ClientRequestException) as caught:
        _create(client("evs"), VOLUME)

    assert (
        400,
        "EVS.5400",
        "Invalid volume: volume is associated with a backup policy (CBR vault)",
    ) == _error(caught)


def test_unattached_data_disk_of_a_server_world_is_transferable(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.seed(
        two_accounts(
            broker={
                "servers": [{"id": SERVER, "name": "web-1"}],
                "volumes": [volume(), volume(id=OTHER_VOLUME, name="other", size=1)],
            }
        )
    )

    created = _create(client("evs"), VOLUME)

    assert VOLUME == created.transfer.volume_id


@pytest.mark.parametrize(
    "quotas",
    [
        {"volumes": 1},
        {"gigabytes": 49},
        {"types": {"SSD": {"volumes": 0}}},
        {"types": {"SSD": {"gigabytes": 39}}},
        {"per_volume_gigabytes": 39},
    ],
    ids=["volumes", "gigabytes", "ssd-volumes", "ssd-gigabytes", "per-volume"],
)
def test_accept_without_quota_is_refused_and_transfer_stays_pending(
    localcloud: LocalCloud, client: ClientFactory, quotas: dict[str, Any]
) -> None:
    b_volume = volume(id=OTHER_VOLUME, name="b-disk", size=10, volume_type="SAS")
    localcloud.seed(two_accounts(account_b={"volumes": [b_volume], "quotas": quotas}))
    evs_a, evs_b = client("evs"), client("evs", "account-b")
    created = _create(evs_a, VOLUME).transfer

    with pytest.raises(ClientRequestException) as caught:
        _accept(evs_b, created.id, created.auth_key)

    pending = evs_a.cinder_show_volume_transfer(
        CinderShowVolumeTransferRequest(transfer_id=created.id)
    ).transfer
    status = evs_a.show_volume(ShowVolumeRequest(volume_id=VOLUME)).volume.status
    assert (413, "EVS.5413", "Insufficient volume quota.") == _error(caught)
    assert (created.id, "awaiting-transfer") == (pending.id, status)


def test_accept_within_quota_moves_the_disk_and_its_usage(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.seed(two_accounts(account_b={"quotas": {"volumes": 1, "gigabytes": 40}}))
    evs_a, evs_b = client("evs"), client("evs", "account-b")
    created = _create(evs_a, VOLUME).transfer

    _accept(evs_b, created.id, created.auth_key)

    quotas = evs_b.cinder_list_quotas(
        CinderListQuotasRequest(target_project_id=B_PROJECT, usage="True")
    ).quota_set
    assert (1, 40, 1) == (
        quotas.volumes.in_use,
        quotas.gigabytes.in_use,
        quotas.volumes_ssd.in_use,
    )


def test_quotas_answer_agency_credentials_of_target_account(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    agency = {"name": "evs-transfer-broker", "trust_domain_id": A_DOMAIN}
    localcloud.seed(two_accounts(account_b={"agencies": [agency]}))
    credential = _assume(
        client("iam"), "evs-transfer-broker", domain_id=B_DOMAIN
    ).credential
    evs_b = client(
        "evs",
        "account-b",
        ak=credential.access,
        sk=credential.secret,
        token=credential.securitytoken,
    )

    quotas = evs_b.cinder_list_quotas(
        CinderListQuotasRequest(target_project_id=B_PROJECT, usage="True")
    ).quota_set

    assert (B_PROJECT, 0, 100) == (
        quotas.id,
        quotas.volumes.in_use,
        quotas.volumes.limit,
    )
