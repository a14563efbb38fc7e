"""Loading handler files and exporting functions' user_data as environment variables.

Handlers run in-process, so one ``os.environ`` serves every registered function. The
:class:`EnvironmentLedger` exports the union of all functions' user_data, refuses a key
two functions set differently, and puts back what was there before on ``restore``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from localcloud.functiongraph.errors import (
    HandlerLoadError,
    UserDataConflictError,
    UserDataError,
)

Handler = Callable[[dict[str, Any], Any], Any]

# FunctionGraph reserves the RUNTIME_ prefix for its own variables (functiongraph.md §1.4).
RESERVED_PREFIX = "RUNTIME_"
# Environment variables of one function may total 4096 characters (HW-LIMITS); they are
# measured here as the JSON text the API's user_data field carries.
MAX_USER_DATA_CHARS = 4096

# Letters, digits, "_" and ".", not starting with a digit: names a process can carry.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_module_counter = itertools.count(1)


def load_handler(
    code_root: Path, handler: str, function_name: str
) -> tuple[str, Handler]:
    """Import the handler's file under a fresh module name and return the handler.

    Args:
        code_root: Directory handler paths are relative to.
        handler: ``path/to/file.function``, e.g. ``functions/x/index.handler``.
        function_name: Used in the module name and in error messages.

    Returns:
        The module name (registered in ``sys.modules``) and the handler callable.

    Raises:
        HandlerLoadError: The string is malformed, the file is missing or outside
            ``code_root``, importing it fails, or the attribute is not callable.
    """
    path, attribute = _handler_location(code_root, handler, function_name)
    module_name = f"_localcloud_fn_{re.sub(r'[^A-Za-z0-9_]', '_', function_name)}"
    module_name = f"{module_name}_{next(_module_counter)}"

    module = _import_file(path, module_name, function_name)
    target = getattr(module, attribute, None)
    if not callable(target):
        unload_module(module_name)
        raise HandlerLoadError(
            f"function {function_name!r}: {path.name} has no callable {attribute!r}"
        )

    return module_name, target


def unload_module(module_name: str) -> None:
    """Drop a handler module from ``sys.modules``."""
    sys.modules.pop(module_name, None)


def _handler_location(
    code_root: Path, handler: str, function_name: str
) -> tuple[Path, str]:
    file_part, dot, attribute = handler.rpartition(".")
    if not dot or not file_part or not attribute.isidentifier():
        raise HandlerLoadError(
            f"function {function_name!r}: handler {handler!r} is not 'file.function'"
        )

    root = code_root.resolve()
    path = (root / f"{file_part}.py").resolve()
    if not path.is_relative_to(root):
        raise HandlerLoadError(
            f"function {function_name!r}: handler {handler!r} points outside the code root"
        )
    if not path.is_file():
        raise HandlerLoadError(
            f"function {function_name!r}: handler file {path} not found"
        )

    return path, attribute


def _import_file(path: Path, module_name: str, function_name: str) -> Any:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise HandlerLoadError(f"function {function_name!r}: cannot import {path}")

    module = importlib.util.module_from_spec(spec)
    # Registered before execution so dataclasses and pydantic models defined in the
    # handler file can resolve their own module.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        unload_module(module_name)
        raise HandlerLoadError(
            f"function {function_name!r}: importing {path} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc

    return module


def validate_user_data(function_name: str, user_data: Mapping[str, str]) -> None:
    """Check that ``user_data`` can be exported as environment variables.

    Raises:
        UserDataError: A name is invalid or reserved, or the total is over the limit.
    """
    for key in user_data:
        if not _ENV_NAME.match(key):
            raise UserDataError(
                f"function {function_name!r}: {key!r} is not a valid variable name"
            )
        if key.startswith(RESERVED_PREFIX):
            raise UserDataError(
                f"function {function_name!r}: {key!r} uses the reserved "
                f"{RESERVED_PREFIX} prefix"
            )

    size = len(json.dumps(dict(user_data), separators=(",", ":")))
    if size > MAX_USER_DATA_CHARS:
        raise UserDataError(
            f"function {function_name!r}: user_data is {size} characters, "
            f"over the {MAX_USER_DATA_CHARS} limit"
        )


class EnvironmentLedger:
    """Exports functions' user_data into ``os.environ`` and undoes it."""

    def __init__(self) -> None:
        self._owners: dict[str, tuple[str, str]] = {}
        self._saved: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def export(self, function_name: str, user_data: Mapping[str, str]) -> list[str]:
        """Set ``user_data`` in ``os.environ`` on behalf of ``function_name``.

        Returns:
            The keys this call newly exported (for :meth:`withdraw` on failure).

        Raises:
            UserDataConflictError: Another function set one of the keys to another value.
        """
        with self._lock:
            for key, value in user_data.items():
                owner = self._owners.get(key)
                if owner is not None and owner[1] != value:
                    raise UserDataConflictError(
                        f"functions {owner[0]!r} and {function_name!r} set environment "
                        f"variable {key!r} to different values"
                    )

            added = [key for key in user_data if key not in self._owners]
            for key in added:
                self._saved[key] = os.environ.get(key)
                self._owners[key] = (function_name, user_data[key])
                os.environ[key] = user_data[key]

            return added

    def withdraw(self, keys: list[str]) -> None:
        """Undo the export of ``keys``, restoring their previous values."""
        with self._lock:
            for key in keys:
                self._owners.pop(key, None)
                _put_back(key, self._saved.pop(key, None))

    def restore(self) -> None:
        """Undo every export."""
        with self._lock:
            for key, previous in self._saved.items():
                _put_back(key, previous)
            self._saved.clear()
            self._owners.clear()


def _put_back(key: str, previous: str | None) -> None:
    if previous is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = previous
