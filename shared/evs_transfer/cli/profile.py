"""The CLI's profile file: defaults an operator would otherwise type every time."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - FunctionGraph's and older operators' Python
    import tomli as tomllib

DEFAULT_PATH = Path("~/.config/evs-transfer/profile.toml")


@dataclasses.dataclass(frozen=True)
class Profile:
    """``url``, ``source_account``, ``requester`` and credentials of the chosen section.

    ``access_key`` and ``secret_key`` (and ``security_token`` for a temporary key) sign
    the API calls when the environment has no ``HUAWEICLOUD_SDK_AK``/``_SK``.
    """

    url: str | None = None
    source_account: str | None = None
    requester: str | None = None
    credentials: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)


def load_profile() -> Profile:
    """Read ``EVS_TRANSFER_PROFILE`` (a section, default ``default``) from the file.

    The file is ``EVS_TRANSFER_PROFILE_FILE`` or ``~/.config/evs-transfer/profile.toml``;
    a missing file is an empty profile.
    """
    path = Path(os.environ.get("EVS_TRANSFER_PROFILE_FILE", DEFAULT_PATH)).expanduser()
    if not path.is_file():
        return Profile()
    section = os.environ.get("EVS_TRANSFER_PROFILE", "default")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"profile {path} cannot be read: {exc}") from None
    values = document.get(section, {})
    if not isinstance(values, dict) or not all(
        isinstance(value, str) for value in values.values()
    ):
        raise ProfileError(f"profile {path}: [{section}] must hold text values only")

    return Profile(
        url=values.get("url"),
        source_account=values.get("source_account"),
        requester=values.get("requester"),
        credentials={
            key: values[key]
            for key in ("access_key", "secret_key", "security_token")
            if values.get(key)
        },
    )


class ProfileError(ValueError):
    """The profile file is there but cannot be used; the message says why."""
