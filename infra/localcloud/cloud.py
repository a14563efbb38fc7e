"""``LocalCloud``: every emulated service, one WSGI app, one port.

It owns the state of each service, the FunctionGraph runtime (which it feeds with
agency credentials from IAM) and the APIG gateway mounted under ``/apig``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler, make_server

from localcloud.admin.urls import admin_routes
from localcloud.cbr.models import CbrBackend
from localcloud.cbr.responses import CbrResponses
from localcloud.cbr.urls import cbr_routes
from localcloud.core.accounts import AccountRegistry
from localcloud.core.app import ServiceApp
from localcloud.core.auth import Authenticator
from localcloud.core.calls import CallLog
from localcloud.core.faults import FaultInjector, FaultKind, FaultSpec
from localcloud.core.routing import Router
from localcloud.ecs.models import EcsBackend
from localcloud.ecs.responses import EcsResponses
from localcloud.ecs.urls import ecs_routes
from localcloud.evs.models import EvsBackend
from localcloud.evs.responses import EvsResponses
from localcloud.evs.urls import evs_routes
from localcloud.functiongraph.gateway import ApigGateway
from localcloud.functiongraph.invocation import Invocation
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.timers import TimerTriggers
from localcloud.iam.models import IamBackend
from localcloud.iam.responses import IamResponses
from localcloud.iam.urls import iam_routes
from localcloud.kms.models import KmsBackend
from localcloud.kms.responses import KmsResponses
from localcloud.kms.urls import kms_routes
from localcloud.seeding import Backends, apply_world
from localcloud.smn.models import SmnBackend
from localcloud.smn.responses import SmnResponses
from localcloud.smn.urls import smn_routes
from localcloud.world import World, load_world, parse_world, substitute

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

APIG_PREFIX = "/apig"
DEFAULT_REGION = "cn-north-4"


@dataclasses.dataclass(frozen=True)
class AccountInfo:
    """How to call localcloud as one account of the world."""

    name: str
    domain_id: str
    project_id: str
    projects: dict[str, str]
    access_key: str
    secret_key: str = dataclasses.field(repr=False)


class _RequestHandler(WSGIRequestHandler):
    """Logs each request without its query string, as a careful gateway would.

    Approval links carry their token in the query; an access log keeps only the path.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        full = self.path
        path, _, query = full.partition("?")
        # Werkzeug writes self.path into the line: hand it the path alone for that.
        self.path = f"{path}?[query]" if query else path
        try:
            super().log_request(code, size)
        finally:
            self.path = full


@dataclasses.dataclass(frozen=True)
class Server:
    """A running HTTP server of a ``LocalCloud``."""

    url: str
    cloud: LocalCloud


class LocalCloud:
    """The emulated Huawei Cloud.

    Args:
        world: World to seed with (YAML text, mapping or ``World``); empty when omitted.
        region: Region of the cloud; defaults to the world's.
        code_root: Directory function handler paths are relative to.
        state_dir: Value of ``${LOCALCLOUD_STATE_DIR}``. When omitted, each seeding
            gets a fresh folder under a private temporary directory.
        async_workers: How many asynchronous invocations run at once (FunctionGraph's
            concurrency, as far as SMN-triggered functions are concerned).
    """

    def __init__(
        self,
        world: World | str | Mapping[str, Any] | None = None,
        *,
        region: str | None = None,
        code_root: Path | None = None,
        state_dir: Path | None = None,
        async_workers: int = 8,
    ) -> None:
        parsed = parse_world(world) if world is not None else None
        self.region = region or (parsed.region if parsed else DEFAULT_REGION)
        self._registry = AccountRegistry()
        self._calls = CallLog()
        self.iam = IamBackend(self._registry)
        self.cbr = CbrBackend()
        self.ecs = EcsBackend()
        self.evs = EvsBackend(backups=self.cbr)
        self.kms = KmsBackend(self.region)
        self.runtime = FunctionRuntime(
            region=self.region,
            credentials=self.iam,
            code_root=code_root or Path.cwd(),
            async_workers=async_workers,
        )
        self.gateway = ApigGateway(self.runtime, Authenticator(self._registry))
        self.timers = TimerTriggers(self.runtime)
        self.smn = SmnBackend(self.region, invoker=self.runtime)
        self.runtime.failure_sink = self._publish_failure
        router = self._router()
        self._faults = FaultInjector(
            r.operation for r in router.routes if r.authenticated
        )
        self._services = ServiceApp(router, self._registry, self._calls, self._faults)
        self._lock = threading.RLock()
        self._world: World | None = None
        self._url: str | None = None
        self._state_dir = Path(state_dir) if state_dir is not None else None
        self._generation = 0
        self._temp_root = Path(tempfile.mkdtemp(prefix="localcloud-"))
        weakref.finalize(self, shutil.rmtree, self._temp_root, ignore_errors=True)
        if parsed is not None:
            self.seed(parsed)

    @classmethod
    def from_world_file(
        cls, path: Path, *, code_root: Path | None = None, state_dir: Path | None = None
    ) -> LocalCloud:
        """Create a cloud seeded from a world file (``code_root`` defaults to the cwd)."""
        return cls(
            load_world(Path(path)),
            code_root=code_root or Path.cwd(),
            state_dir=state_dir,
        )

    def _router(self) -> Router:
        return Router(
            [
                *evs_routes(EvsResponses(self.evs)),
                *cbr_routes(CbrResponses(self.cbr, self.evs.find_volume)),
                *ecs_routes(EcsResponses(self.ecs, self.evs)),
                *kms_routes(KmsResponses(self.kms)),
                *smn_routes(SmnResponses(self.smn)),
                *iam_routes(IamResponses(self.iam, self._registry)),
                *admin_routes(self),
            ]
        )

    @property
    def url(self) -> str | None:
        """Base URL while serving (``serve``), else ``None``."""
        return self._url

    @property
    def world(self) -> World | None:
        """The world last seeded (before substitution), if any."""
        return self._world

    def seed(self, world: World | str | bytes | Mapping[str, Any]) -> list[str]:
        """Replace all state with ``world``; return the registered function URNs.

        Raises:
            pydantic.ValidationError: The world does not match the schema.
            ValueError: The world is inconsistent or names another region.
            FunctionGraphError: A function cannot be registered.
        """
        parsed = parse_world(world)
        if parsed.region != self.region:
            raise ValueError(
                f"world region {parsed.region} differs from cloud region {self.region}"
            )

        with self._lock:
            self.reset()
            try:
                resolved = substitute(parsed, self._variables())
                urns = apply_world(resolved, self._backends())
            except Exception:
                # Half a world is worse than none: leave the cloud empty and say why.
                self.reset()
                raise
            self._world = parsed

            return urns

    def reset(self) -> None:
        """Empty every service, the call log, the outbox, faults, hooks and runtime."""
        with self._lock:
            self.runtime.reset()
            self.gateway.reset()
            self.timers.reset()
            self._faults.reset()
            for backend in (self.iam, self.evs, self.cbr, self.ecs, self.kms, self.smn):
                backend.reset()
            self._registry.clear()
            self._calls.clear()
            self._world = None

    def _publish_failure(self, topic_urn: str, record: dict[str, Any]) -> None:
        # FunctionGraph itself publishes to an async failure destination.
        text = json.dumps(record)
        self.smn.publish(
            topic_urn, subject="FunctionGraph async failure", message_for=lambda _: text
        )

    def _backends(self) -> Backends:
        return Backends(
            registry=self._registry,
            iam=self.iam,
            evs=self.evs,
            kms=self.kms,
            smn=self.smn,
            runtime=self.runtime,
            gateway=self.gateway,
            cbr=self.cbr,
            ecs=self.ecs,
            faults=self._faults,
            timers=self.timers,
        )

    def _variables(self) -> dict[str, str]:
        variables = {"LOCALCLOUD_STATE_DIR": str(self._next_state_dir())}
        if self._url is not None:
            variables["LOCALCLOUD_URL"] = self._url

        return variables

    def _next_state_dir(self) -> Path:
        if self._state_dir is not None:
            self._state_dir.mkdir(parents=True, exist_ok=True)
            return self._state_dir

        self._generation += 1
        folder = self._temp_root / f"world-{self._generation}"
        folder.mkdir()

        return folder

    def account(self, name: str) -> AccountInfo:
        """Return the identity and credentials of a world account.

        Raises:
            KeyError: No such account.
        """
        account = self._registry.by_name(name)
        if account is None:
            raise KeyError(f"no account named {name!r}")

        return AccountInfo(
            name=account.name,
            domain_id=account.domain_id,
            project_id=account.projects[self.region],
            projects=dict(account.projects),
            access_key=account.access_key,
            secret_key=account.secret_key,
        )

    @property
    def outbox(self) -> list[dict[str, Any]]:
        """Every SMN delivery (email, HTTP(S), functionstage), oldest first."""
        return self.smn.outbox()

    def issued_secrets(self) -> list[str]:
        """Every secret this cloud handed out: ``auth_key``s, AK/SK and security tokens.

        A test aid: scan logs, messages, responses and databases for these values to
        prove that none leaked. Cleared by ``reset``.
        """
        return [*self.evs.issued_auth_keys(), *self._registry.key_material()]

    def add_fault(
        self,
        operation: str,
        kind: FaultKind,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        latency_ms: int | None = None,
        count: int | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Arm a fault on an operation (see ``localcloud.core.faults``); return it.

        Example: ``cloud.add_fault("list_backups", "status", status=503, count=2)``.

        Raises:
            pydantic.ValidationError: The options do not fit the kind.
            ValueError: No such operation.
        """
        spec = FaultSpec(
            operation=operation,
            kind=kind,
            status=status,
            retry_after=retry_after,
            latency_ms=latency_ms,
            count=count,
            account=account,
        )

        return self._faults.add(spec)

    def add_fault_spec(self, spec: FaultSpec) -> dict[str, Any]:
        """Arm a fault given as a ``FaultSpec`` (world files, the admin API)."""
        return self._faults.add(spec)

    def remove_fault(self, fault_id: str) -> bool:
        """Disarm one fault by id; return whether it was armed."""
        return self._faults.remove(fault_id)

    def clear_faults(self) -> int:
        """Disarm every fault; return how many were armed."""
        return self._faults.clear()

    @property
    def faults(self) -> list[dict[str, Any]]:
        """The armed faults, oldest first, with ``fired`` and ``remaining`` counts."""
        return self._faults.faults

    def before(
        self, operation: str, callback: Callable[[], object], times: int = 1
    ) -> None:
        """Run ``callback()`` just before the next ``times`` calls of ``operation``.

        The callback runs on the server thread after authentication, right before the
        handler (so not for calls an injected status or reset fault answers). Use it
        to race a client, e.g. ``cloud.before("cinder_create_volume_transfer",
        lambda: cloud.evs.create_snapshot(volume_id))``.

        Raises:
            ValueError: No such operation, or ``times`` < 1.
        """
        self._faults.before(operation, callback, times)

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The call log of cloud API requests, oldest first."""
        return [record.to_dict() for record in self._calls.records]

    def fire_timer(self, name: str, *, time: dt.datetime | None = None) -> Invocation:
        """Fire the timer trigger ``name`` once and return the function's invocation.

        Raises:
            KeyError: No timer has that name.
        """
        return self.timers.fire(name, time=time)

    @property
    def invocations(self) -> list[Invocation]:
        """Every function invocation since the last reset, oldest first."""
        return self.runtime.invocations

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no asynchronous function invocation is pending."""
        return self.runtime.wait_idle(timeout)

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The WSGI entry point: ``/apig/...`` to the gateway, the rest to the services."""
        path = environ.get("PATH_INFO", "")
        if path == APIG_PREFIX or path.startswith(APIG_PREFIX + "/"):
            environ = dict(environ)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + APIG_PREFIX
            environ["PATH_INFO"] = path[len(APIG_PREFIX) :] or "/"
            return self.gateway(environ, start_response)

        return self._services(environ, start_response)

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[Server]:
        """Serve on ``host:port`` (0 picks a free port) in a daemon thread.

        The current world is re-seeded once the URL is known, so that
        ``${LOCALCLOUD_URL}`` resolves in function settings.
        """
        server = make_server(
            host, port, self.wsgi_app, threaded=True, request_handler=_RequestHandler
        )
        thread = threading.Thread(
            target=server.serve_forever, name="localcloud-http", daemon=True
        )
        thread.start()
        url = f"http://{host}:{server.server_port}"
        try:
            with self._lock:
                self._url = url
                if self._world is not None:
                    self.seed(self._world)
            yield Server(url, self)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self.runtime.wait_idle(timeout=5)
            self._url = None

    def close(self) -> None:
        """Stop the function runtime's workers and forget all state."""
        self.reset()
        self.runtime.close()
