"""EVS quotas of a project: limits from the world, usage counted from its disks.

``-1`` means unlimited, as in Cinder. Only what accepting a transfer consumes is
enforced (one more volume and its gigabytes, in total and per volume type, and the
per-volume size limit); snapshot and backup quotas are reported, not enforced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.evs.models import Snapshot, Volume

UNLIMITED = -1
# The per-type keys Huawei reports (volumes_SSD, gigabytes_GPSSD, ...).
VOLUME_TYPES = ("SATA", "SAS", "SSD", "GPSSD", "ESSD", "GPSSD2", "ESSD2")


@dataclasses.dataclass(frozen=True)
class TypeLimits:
    """Limits of one volume type (unlimited unless the world says otherwise)."""

    volumes: int = UNLIMITED
    gigabytes: int = UNLIMITED
    snapshots: int = UNLIMITED


@dataclasses.dataclass(frozen=True)
class QuotaLimits:
    """A project's EVS limits; the defaults are generous, like a fresh account's."""

    volumes: int = 100
    gigabytes: int = 10000
    snapshots: int = 100
    backups: int = 100
    backup_gigabytes: int = 10000
    per_volume_gigabytes: int = 32768
    types: Mapping[str, TypeLimits] = dataclasses.field(default_factory=dict)

    def of_type(self, volume_type: str) -> TypeLimits:
        """Limits of ``volume_type`` (unlimited when not configured)."""
        return self.types.get(volume_type, TypeLimits())


def _entry(in_use: int, limit: int) -> dict[str, int]:
    return {"in_use": in_use, "limit": limit, "reserved": 0}


def quota_set(
    project_id: str,
    limits: QuotaLimits,
    volumes: Iterable[Volume],
    snapshots: Iterable[Snapshot],
) -> dict[str, Any]:
    """Return the ``quota_set`` body (``usage=True`` shape) of a project."""
    owned, taken = list(volumes), list(snapshots)
    body: dict[str, Any] = {
        "id": project_id,
        "volumes": _entry(len(owned), limits.volumes),
        "gigabytes": _entry(sum(v.size for v in owned), limits.gigabytes),
        "snapshots": _entry(len(taken), limits.snapshots),
        # CBR keeps its own quotas; the legacy EVS backup counters stay at zero.
        "backups": _entry(0, limits.backups),
        "backup_gigabytes": _entry(0, limits.backup_gigabytes),
        "per_volume_gigabytes": _entry(0, limits.per_volume_gigabytes),
    }
    types = {v.volume_type for v in owned} | set(VOLUME_TYPES) | set(limits.types)
    for volume_type in sorted(types):
        typed = [v for v in owned if v.volume_type == volume_type]
        typed_ids = {v.id for v in typed}
        type_limits = limits.of_type(volume_type)
        body[f"volumes_{volume_type}"] = _entry(len(typed), type_limits.volumes)
        body[f"gigabytes_{volume_type}"] = _entry(
            sum(v.size for v in typed), type_limits.gigabytes
        )
        body[f"snapshots_{volume_type}"] = _entry(
            sum(1 for s in taken if s.volume_id in typed_ids), type_limits.snapshots
        )

    return body


def _exceeds(in_use: int, extra: int, limit: int) -> bool:
    return limit != UNLIMITED and in_use + extra > limit


def admits(limits: QuotaLimits, volumes: Iterable[Volume], incoming: Volume) -> bool:
    """Whether a project owning ``volumes`` has room for ``incoming``."""
    owned = list(volumes)
    typed = [v for v in owned if v.volume_type == incoming.volume_type]
    type_limits = limits.of_type(incoming.volume_type)
    size = incoming.size

    return not (
        _exceeds(len(owned), 1, limits.volumes)
        or _exceeds(sum(v.size for v in owned), size, limits.gigabytes)
        or _exceeds(len(typed), 1, type_limits.volumes)
        or _exceeds(sum(v.size for v in typed), size, type_limits.gigabytes)
        or _exceeds(0, size, limits.per_volume_gigabytes)
    )
