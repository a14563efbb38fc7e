"""The CLI's layer: ``evs-transfer`` commands against localcloud served in-process."""

from tests.functional.transfers.conftest import (  # noqa: F401 - fixtures
    no_secret_leaks,
    stack,
)
