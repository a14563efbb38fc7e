"""FunctionGraph entry point of the accept-function (handler ``index.handler``)."""

from typing import Any

from evs_transfer.handlers import accept_transfer


def handler(event: Any, context: Any) -> Any:
    """Approve or reject a pending transfer (APIG and SMN triggers)."""
    return accept_transfer(event, context)
