"""Time limits on student code that nest: one per area, and a shorter one per call.

A hanging `summarize` should cost the items that need its answers, not the whole
area, and the area's limit still bounds everything the probe does. Each
`time_limit` block pushes a deadline; one SIGALRM timer is kept armed for the
earliest. When it rings, `ProbeTimeout` is raised carrying the outermost deadline
that has passed, so the block that set it (and only that block) handles it. The
timer rings again every second while a deadline stays passed: student code that
swallows the exception (`except BaseException: pass`) inside a loop is interrupted
again until it lets go.

Signals only reach the main thread, so limits apply there (where the grader runs
student code); elsewhere, or where there is no SIGALRM, blocks run unlimited.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass, field

RING_AGAIN = 1.0  # seconds between repeated alarms while student code ignores one


class ProbeTimeout(BaseException):
    """Raised when student code runs past a limit.

    A BaseException, so that a student's `except Exception` cannot swallow it.
    """

    def __init__(self, limit: "Deadline | None" = None):
        super().__init__(f"took longer than {limit.seconds:g} s" if limit else "took too long")
        self.limit = limit


@dataclass(eq=False)
class Deadline:
    seconds: float
    at: float = field(default=0.0)


_active: list[Deadline] = []
_outside = None  # (handler, seconds left on the timer, when) of whoever used SIGALRM before us


def pending(error: ProbeTimeout) -> bool:
    """Whether the error is a live limit's (raised by the alarm), not one student code made up."""
    return error.limit is not None and error.limit in _active


@contextlib.contextmanager
def alarm_blocked():
    """Keep the alarm from interrupting the grader's own bookkeeping (it arrives just after)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _usable() -> bool:
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


def _arm(delay: float | None = None) -> None:
    if not _active:
        return
    if delay is None:
        delay = min(d.at for d in _active) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(delay, 0.001))


def _ring(signum, frame):
    now = time.monotonic()
    passed = [d for d in _active if d.at <= now + 0.001]
    if not passed:  # an early ring (the timer's rounding): wait for the real deadline
        _arm()
        return
    _arm(RING_AGAIN)
    raise ProbeTimeout(passed[0])  # the outermost: the area's limit wins over a call's


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Run the block under a limit of `seconds` (None or 0: no limit of its own).

    Yields the Deadline; `except ProbeTimeout as error: if error.limit is deadline`
    tells this block's timeout from an enclosing one's.
    """
    global _outside
    if not seconds or not _usable():
        yield None
        return
    deadline = Deadline(seconds=seconds, at=time.monotonic() + seconds)
    with alarm_blocked():
        if not _active:
            left, _interval = signal.setitimer(signal.ITIMER_REAL, 0)
            _outside = (signal.signal(signal.SIGALRM, _ring), left, time.monotonic())
        _active.append(deadline)
        _arm()
    try:
        yield deadline
    finally:
        with alarm_blocked():
            _active.remove(deadline)
            if _active:
                _arm()
            else:
                signal.setitimer(signal.ITIMER_REAL, 0)
                handler, left, when = _outside
                signal.signal(signal.SIGALRM, handler if handler is not None else signal.SIG_DFL)
                if left:  # an outside timer (pytest-timeout, say) runs on, minus the time spent here
                    signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - when), 0.001))
                _outside = None
