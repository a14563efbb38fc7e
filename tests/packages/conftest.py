"""The packages' layer: the built zips, each run in a bare interpreter against localcloud."""

from tests.functional.transfers.conftest import (  # noqa: F401 - fixtures
    no_secret_leaks,
    stack,
)
