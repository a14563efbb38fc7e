"""FunctionGraph entry point of the create-function (handler ``index.handler``)."""

from typing import Any

from evs_transfer.handlers import create_transfer


def handler(event: Any, context: Any) -> Any:
    """Offer an EVS disk to another account (APIG and SMN triggers)."""
    return create_transfer(event, context)
