"""CBR backups/vaults/policies, ECS servers/block devices and EVS quotas, via the SDK."""

from __future__ import annotations

import pytest
from huaweicloudsdkcbr.v1 import (
    ListBackupsRequest,
    ListPoliciesRequest,
    ListVaultRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import ShowServerBlockDeviceRequest, ShowServerRequest
from huaweicloudsdkevs.v2 import CinderListQuotasRequest

from localcloud import LocalCloud
from tests.functional.localcloud.conftest import ClientFactory
from tests.functional.localcloud.worlds import (
    A_PROJECT,
    B_PROJECT,
    BACKUP,
    OTHER_VOLUME,
    POLICY,
    SERVER,
    VAULT,
    VOLUME,
    two_accounts,
    volume,
)

PROTECTED = two_accounts(
    broker={
        "volumes": [volume(), volume(id=OTHER_VOLUME, name="other", size=10)],
        "policies": [{"id": POLICY, "name": "daily"}],
        "vaults": [
            {
                "id": VAULT,
                "name": "vault-1",
                "resources": [VOLUME],
                "policy_ids": [POLICY],
            }
        ],
        "backups": [
            {"id": BACKUP, "volume_id": VOLUME, "vault_id": VAULT, "name": "bk-1"}
        ],
    }
)
ATTACHED = two_accounts(
    broker={
        "servers": [{"id": SERVER, "name": "web-1"}],
        "volumes": [
            volume(
                status="in-use",
                attachments=[
                    {"server_id": SERVER, "device": "/dev/vda", "boot_index": 0}
                ],
            ),
            volume(
                id=OTHER_VOLUME,
                name="data",
                size=10,
                status="in-use",
                attachments=[{"server_id": SERVER, "device": "/dev/vdb"}],
            ),
        ],
    }
)


@pytest.fixture
def protected(localcloud: LocalCloud) -> LocalCloud:
    localcloud.seed(PROTECTED)
    return localcloud


@pytest.fixture
def attached(localcloud: LocalCloud) -> LocalCloud:
    localcloud.seed(ATTACHED)
    return localcloud


def test_list_backups_finds_backups_of_volume(
    protected: LocalCloud, client: ClientFactory
) -> None:
    request = ListBackupsRequest(resource_id=VOLUME, resource_type="OS::Cinder::Volume")

    response = client("cbr").list_backups(request)

    backup = response.backups[0]
    assert 1 == response.count
    assert (BACKUP, "bk-1", "available", VOLUME, "OS::Cinder::Volume", VAULT) == (
        backup.id,
        backup.name,
        backup.status,
        backup.resource_id,
        backup.resource_type,
        backup.vault_id,
    )
    assert ("disk", 40) == (backup.resource_name, backup.resource_size)


def test_list_backups_of_volume_without_backups_is_empty(
    protected: LocalCloud, client: ClientFactory
) -> None:
    request = ListBackupsRequest(
        resource_id=OTHER_VOLUME, resource_type="OS::Cinder::Volume"
    )

    response = client("cbr").list_backups(request)

    assert (0, []) == (response.count, response.backups)


def test_list_backups_sees_only_own_project(
    protected: LocalCloud, client: ClientFactory
) -> None:
    response = client("cbr", "account-b").list_backups(
        ListBackupsRequest(resource_id=VOLUME)
    )

    assert 0 == response.count


def test_list_vault_returns_only_vaults_having_the_volume(
    protected: LocalCloud, client: ClientFactory
) -> None:
    cbr = client("cbr")

    having = cbr.list_vault(ListVaultRequest(resource_ids=VOLUME))
    lacking = cbr.list_vault(ListVaultRequest(resource_ids=OTHER_VOLUME))

    vault = having.vaults[0]
    resource = vault.resources[0]
    assert (1, VAULT, "vault-1") == (having.count, vault.id, vault.name)
    assert (VOLUME, "OS::Cinder::Volume", "disk", 40, 1) == (
        resource.id,
        resource.type,
        resource.name,
        resource.size,
        resource.backup_count,
    )
    assert ("disk", "backup") == (vault.billing.object_type, vault.billing.protect_type)
    assert (0, []) == (lacking.count, lacking.vaults)


def test_list_policies_of_vault_returns_backup_policy(
    protected: LocalCloud, client: ClientFactory
) -> None:
    request = ListPoliciesRequest(vault_id=VAULT, operation_type="backup")

    response = client("cbr").list_policies(request)

    policy = response.policies[0]
    assert (1, POLICY, "daily", True, "backup") == (
        response.count,
        policy.id,
        policy.name,
        policy.enabled,
        policy.operation_type,
    )
    assert [VAULT] == [v.vault_id for v in policy.associated_vaults]
    assert "time" == policy.trigger.type


def test_list_policies_of_other_vault_is_empty(
    protected: LocalCloud, client: ClientFactory
) -> None:
    response = client("cbr").list_policies(ListPoliciesRequest(vault_id="nope"))

    assert (0, []) == (response.count, response.policies)


def test_cbr_bad_limit_answers_cbr_error_body(
    protected: LocalCloud, client: ClientFactory
) -> None:
    with pytest.raises(ClientRequestException) as caught:
        client("cbr").list_backups(ListBackupsRequest(limit=0))

    assert (400, "BackupService.0002", "Invalid parameter: limit.") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_show_server_block_device_gives_boot_index(
    attached: LocalCloud, client: ClientFactory
) -> None:
    ecs = client("ecs")

    system = ecs.show_server_block_device(
        ShowServerBlockDeviceRequest(server_id=SERVER, volume_id=VOLUME)
    ).volume_attachment
    data = ecs.show_server_block_device(
        ShowServerBlockDeviceRequest(server_id=SERVER, volume_id=OTHER_VOLUME)
    ).volume_attachment

    assert (0, "/dev/vda", SERVER, VOLUME, 40) == (
        system.boot_index,
        system.device,
        system.server_id,
        system.volume_id,
        system.size,
    )
    assert (-1, "/dev/vdb") == (data.boot_index, data.device)


def test_show_server_lists_attached_volumes_and_root_device(
    attached: LocalCloud, client: ClientFactory
) -> None:
    server = client("ecs").show_server(ShowServerRequest(server_id=SERVER)).server

    attached_volumes = {
        v.id: (v.boot_index, v.device)
        for v in server.os_extended_volumesvolumes_attached
    }
    assert (SERVER, "web-1", "ACTIVE", "/dev/vda") == (
        server.id,
        server.name,
        server.status,
        server.os_ext_srv_att_rroot_device_name,
    )
    assert {VOLUME: ("0", "/dev/vda"), OTHER_VOLUME: ("-1", "/dev/vdb")} == (
        attached_volumes
    )


def test_block_device_of_unattached_volume_is_not_found(
    attached: LocalCloud, client: ClientFactory
) -> None:
    request = ShowServerBlockDeviceRequest(server_id=SERVER, volume_id="missing")

    with pytest.raises(ClientRequestException) as caught:
        client("ecs").show_server_block_device(request)

    assert (
        404,
        "Ecs.0114",
        f"Volume[missing] is not attached to instance[{SERVER}].",
    ) == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_server_of_other_project_is_not_found(
    attached: LocalCloud, client: ClientFactory
) -> None:
    with pytest.raises(ClientRequestException) as caught:
        client("ecs", "account-b").show_server(ShowServerRequest(server_id=SERVER))

    assert (404, "Ecs.0114", f"Instance[{SERVER}] could not be found.") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_server_named_only_by_an_attachment_exists(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    server_id = "40000000-0000-4000-8000-000000000001"  # the demo world's in-use disk

    server = client("ecs").show_server(ShowServerRequest(server_id=server_id)).server

    assert (server_id, "ACTIVE") == (server.id, server.status)


def test_quotas_count_usage_per_type_and_in_total(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.seed(
        two_accounts(
            broker={
                "volumes": [
                    volume(),
                    volume(id=OTHER_VOLUME, name="sas", size=15, volume_type="SAS"),
                ],
                "quotas": {"volumes": 5, "types": {"SSD": {"gigabytes": 100}}},
            }
        )
    )
    request = CinderListQuotasRequest(target_project_id=A_PROJECT, usage="True")

    quotas = client("evs").cinder_list_quotas(request).quota_set

    assert A_PROJECT == quotas.id
    assert (2, 5, 0) == (
        quotas.volumes.in_use,
        quotas.volumes.limit,
        quotas.volumes.reserved,
    )
    assert (55, 10000) == (quotas.gigabytes.in_use, quotas.gigabytes.limit)
    assert (1, 40, 100) == (
        quotas.volumes_ssd.in_use,
        quotas.gigabytes_ssd.in_use,
        quotas.gigabytes_ssd.limit,
    )
    assert (1, 15, -1) == (
        quotas.volumes_sas.in_use,
        quotas.gigabytes_sas.in_use,
        quotas.gigabytes_sas.limit,
    )


def test_quotas_of_another_project_are_forbidden(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    request = CinderListQuotasRequest(target_project_id=B_PROJECT, usage="True")

    with pytest.raises(ClientRequestException) as caught:
        client("evs").cinder_list_quotas(request)

    assert (403, "EVS.5403", "Policy check failed.") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )
