"""Admin handlers: reset, seed, outbox, calls, invocations, timers, confirmations, faults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from localcloud.core.context import RequestContext
from localcloud.core.errors import CloudError
from localcloud.core.faults import FaultSpec
from localcloud.core.routing import Reply
from localcloud.functiongraph.errors import FunctionGraphError

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

_OUTBOX_FILTERS = ("topic_urn", "protocol", "endpoint", "type", "subscription_urn")


class AdminResponses:
    """Operations on the emulator itself, bound to one ``LocalCloud``."""

    def __init__(self, cloud: LocalCloud) -> None:
        self._cloud = cloud

    def health(self, _ctx: RequestContext) -> Reply:
        """Liveness, region and the accounts of the current world."""
        accounts = [
            a.name for a in (self._cloud.world.accounts if self._cloud.world else [])
        ]

        return Reply(
            200, {"status": "ok", "region": self._cloud.region, "accounts": accounts}
        )

    def reset(self, _ctx: RequestContext) -> Reply:
        """Empty every service, the call log, the outbox and the function runtime."""
        self._cloud.reset()

        return Reply(200, {"status": "reset"})

    def seed(self, ctx: RequestContext) -> Reply:
        """Replace all state with the world in the body (YAML or JSON)."""
        try:
            functions = self._cloud.seed(ctx.body)
        except ValidationError as exc:
            raise CloudError(
                400, "LocalCloud.0400", f"invalid world: {_problems(exc)}"
            ) from None
        except (ValueError, FunctionGraphError) as exc:
            raise CloudError(400, "LocalCloud.0400", f"invalid world: {exc}") from None

        names = (
            [a.name for a in self._cloud.world.accounts] if self._cloud.world else []
        )

        return Reply(
            200, {"status": "seeded", "accounts": names, "functions": functions}
        )

    def list_outbox(self, ctx: RequestContext) -> Reply:
        """SMN deliveries, filtered by any of topic_urn, protocol, endpoint, type."""
        filters = {name: ctx.arg(name) for name in _OUTBOX_FILTERS}

        return Reply(200, {"deliveries": self._cloud.smn.outbox(filters)})

    def clear_outbox(self, _ctx: RequestContext) -> Reply:
        """Forget every SMN delivery."""
        deleted = self._cloud.smn.clear_outbox()

        return Reply(200, {"deleted": deleted})

    def list_calls(self, _ctx: RequestContext) -> Reply:
        """The call log of cloud API requests."""
        return Reply(200, {"calls": self._cloud.calls})

    def list_invocations(self, _ctx: RequestContext) -> Reply:
        """Function invocations recorded by the runtime (no secrets)."""
        invocations = [invocation.to_dict() for invocation in self._cloud.invocations]

        return Reply(200, {"invocations": invocations})

    def fire_timer(self, ctx: RequestContext) -> Reply:
        """Fire a timer trigger now; answer with the invocation it caused."""
        name = ctx.params["trigger_name"]
        try:
            invocation = self._cloud.fire_timer(name)
        except KeyError:
            raise CloudError(
                404, "LocalCloud.0404", f"no timer trigger named {name}"
            ) from None

        return Reply(200, {"invocation": invocation.to_dict()})

    def confirm_subscription(self, ctx: RequestContext) -> Reply:
        """Confirm an email/HTTP(S) subscription, as its confirmation link would."""
        subscription = self._cloud.smn.confirm(ctx.params["subscription_urn"])

        return Reply(
            200, {"subscription_urn": subscription.urn, "status": subscription.status}
        )

    def list_faults(self, _ctx: RequestContext) -> Reply:
        """The armed faults, with how often each fired."""
        return Reply(200, {"faults": self._cloud.faults})

    def add_fault(self, ctx: RequestContext) -> Reply:
        """Arm the fault in the JSON body (the world file's ``faults`` entry shape)."""
        try:
            spec = FaultSpec.model_validate(ctx.json())
            fault = self._cloud.add_fault_spec(spec)
        except ValidationError as exc:
            raise CloudError(
                400, "LocalCloud.0400", f"invalid fault: {_problems(exc)}"
            ) from None
        except ValueError as exc:
            raise CloudError(400, "LocalCloud.0400", f"invalid fault: {exc}") from None

        return Reply(201, {"fault": fault})

    def clear_faults(self, _ctx: RequestContext) -> Reply:
        """Disarm every fault."""
        return Reply(200, {"deleted": self._cloud.clear_faults()})

    def delete_fault(self, ctx: RequestContext) -> Reply:
        """Disarm one fault by id."""
        fault_id = ctx.params["fault_id"]
        if not self._cloud.remove_fault(fault_id):
            raise CloudError(404, "LocalCloud.0404", f"no fault {fault_id}")

        return Reply(200, {"deleted": 1})


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
    )
