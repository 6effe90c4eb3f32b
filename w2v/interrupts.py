"""Interrupts during training: SIGTERM raised as an exception, and the message that says where
the run was saved.

Ctrl-C already arrives as KeyboardInterrupt in the main thread; SIGTERM is made to arrive the same
way while training, so both stop the workers, save a checkpoint and exit with 130 or 143.

Does not: stop threads or save anything itself (see `scheduler`, `training`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

SIGINT_STATUS, SIGTERM_STATUS = 130, 143


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so training stops as for Ctrl-C."""


@contextlib.contextmanager
def terminate_as_exception() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated in the main thread (elsewhere: no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_status(exc: BaseException) -> int:
    """The exit status for an interrupt: 143 for SIGTERM, 130 for Ctrl-C."""
    return SIGTERM_STATUS if isinstance(exc, Terminated) else SIGINT_STATUS
