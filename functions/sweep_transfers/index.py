"""FunctionGraph entry point of the sweep-function (handler ``index.handler``)."""

from typing import Any

from evs_transfer.handlers import sweep_transfers


def handler(event: Any, context: Any) -> Any:
    """Expire, reconcile and clean up transfers, and re-send notifications (TIMER)."""
    return sweep_transfers(event, context)
