"""Errors raised by the FunctionGraph emulation.

Tree::

    FunctionGraphError
    ├── FunctionNotFoundError (also a KeyError, as FunctionInvoker promises)
    ├── FunctionAlreadyExistsError
    ├── HandlerLoadError
    ├── UserDataError
    │   └── UserDataConflictError
    └── PayloadTooLargeError

Messages name functions, keys and limits, never user_data values: those are the
function's environment and may carry configuration that should stay out of logs.
"""

from __future__ import annotations


class FunctionGraphError(Exception):
    """Root of every error the FunctionGraph emulation raises on purpose."""

    code = "FSS.0500"


class FunctionNotFoundError(FunctionGraphError, KeyError):
    """No registered function matches the given name or URN."""

    code = "FSS.1051"

    def __str__(self) -> str:
        # KeyError.__str__ would quote the message as if it were a key.
        return str(self.args[0]) if self.args else "Not found the function"


class FunctionAlreadyExistsError(FunctionGraphError):
    """A function with the same URN is already registered."""

    code = "FSS.1061"


class HandlerLoadError(FunctionGraphError):
    """The handler string does not name a loadable, callable handler."""


class UserDataError(FunctionGraphError, ValueError):
    """A function's user_data cannot become environment variables."""


class UserDataConflictError(UserDataError):
    """Two registered functions set the same environment variable differently."""


class PayloadTooLargeError(FunctionGraphError, ValueError):
    """An event is larger than FunctionGraph accepts for the invocation mode."""

    code = "FSS.0413"
