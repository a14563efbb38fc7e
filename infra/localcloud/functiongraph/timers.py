"""TIMER triggers: fire a function with the event FunctionGraph's timer sends."""

from __future__ import annotations

import datetime as dt
import threading

from localcloud.functiongraph.errors import FunctionNotFoundError
from localcloud.functiongraph.events import timer_event
from localcloud.functiongraph.invocation import Invocation
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import TimerTrigger


class TimerTriggers:
    """The timer triggers of the world, fired on request."""

    def __init__(self, runtime: FunctionRuntime) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._triggers: dict[str, TimerTrigger] = {}

    def add(self, trigger: TimerTrigger) -> None:
        """Attach a timer to a registered function.

        Raises:
            ValueError: The name is taken or the function does not exist.
        """
        try:
            self._runtime.urn_of(trigger.function)
        except FunctionNotFoundError:
            raise ValueError(
                f"timer {trigger.name!r} names unknown function {trigger.function!r}"
            ) from None
        with self._lock:
            if trigger.name in self._triggers:
                raise ValueError(f"duplicate timer {trigger.name!r}")
            self._triggers[trigger.name] = trigger

    def fire(self, name: str, *, time: dt.datetime | None = None) -> Invocation:
        """Run the timer's function once, synchronously, with a TIMER event.

        The platform invokes timers asynchronously; running on the caller's thread makes
        a test's next line see the outcome. ``time`` is the scheduled time of the event.

        Raises:
            KeyError: No timer has that name.
        """
        with self._lock:
            trigger = self._triggers[name]
        event = timer_event(
            trigger_name=trigger.name, user_event=trigger.user_event, time=time
        )

        return self._runtime.invoke(trigger.function, event)

    @property
    def triggers(self) -> list[TimerTrigger]:
        """The timers, in the order they were added."""
        with self._lock:
            return list(self._triggers.values())

    def reset(self) -> None:
        """Forget every timer."""
        with self._lock:
            self._triggers.clear()
