"""Run numbered jobs on worker threads while the calling thread watches, pauses and stops them.

`JobScheduler.run` starts the workers; each takes the next job index in turn, calls
`work(job)` outside any lock, then `record(job, result)` under the scheduler's lock, so tallies
stay consistent. The calling thread only watches: every `tick` seconds it calls `watch()`, where
it may update progress, hold the workers at a job index, or pause them between jobs to save an
exact state. An exception in the watching thread (Ctrl-C, SIGTERM made an exception) halts the
workers after their current job; if they have not finished within `grace` seconds, `force()` is
called to make the jobs return early. A second exception while halting gives up at once.

Does not: know what a job is (see `training` for epochs and chunks), or touch signals.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any


class AbortNow(KeyboardInterrupt):
    """A second interrupt while stopping: give up without waiting or saving."""


class JobScheduler:
    """Jobs first..n_jobs-1 on `threads` worker threads; see the module docstring."""

    def __init__(self, n_jobs: int, threads: int, work: Callable[[int], Any],
                 record: Callable[[int, Any], None], first: int = 0):
        self.n_jobs = n_jobs
        self.next_job = first  # the next job a worker will take
        self.in_flight = 0
        self.hold_at = n_jobs  # workers take no job at or past this index
        self._threads = max(min(threads, n_jobs - first), 0)
        self._work, self._record = work, record
        self._cond = threading.Condition()
        self._running = 0  # worker threads not yet exited
        self._stop = False
        self._error: BaseException | None = None

    @property
    def idle_at_hold(self) -> bool:
        """Workers have reached `hold_at` and no job is in flight."""
        return self.next_job >= self.hold_at and self.in_flight == 0

    def hold(self, at: int | None) -> None:
        """Let workers take jobs only below `at` (None: all jobs)."""
        with self._cond:
            self.hold_at = self.n_jobs if at is None else min(at, self.n_jobs)
            self._cond.notify_all()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the workers between jobs for the duration of the block (call from `watch`)."""
        with self._cond:
            held = self.hold_at
            self.hold_at = self.next_job
            while self.in_flight and self._error is None:
                self._cond.wait(0.05)
        try:
            yield
        finally:
            with self._cond:
                self.hold_at = held
                self._cond.notify_all()

    def run(self, watch: Callable[[], None], tick: float = 0.2, grace: float = 2.0,
            force: Callable[[], None] | None = None) -> None:
        """Run every job; `watch()` is called every `tick` seconds from this thread."""
        threads = [threading.Thread(target=self._worker, daemon=True, name=f"w2v-worker-{i}")
                   for i in range(self._threads)]
        self._running = len(threads)
        try:
            for t in threads:
                t.start()
            while self._running:
                # not Thread.join: a Ctrl-C inside join can leave a thread looking finished
                with self._cond:
                    self._cond.wait(tick)
                watch()
        except BaseException:
            try:
                self.halt(grace, force)
            except BaseException:  # a second interrupt while waiting: give up at once
                raise AbortNow() from None
            raise
        if self._error is not None:
            raise self._error

    def halt(self, grace: float = 2.0, force: Callable[[], None] | None = None) -> None:
        """Stop the workers after their current job and wait until all have exited; past
        `grace` seconds, ask the jobs to return early with `force()`."""
        deadline = time.monotonic() + grace
        with self._cond:
            self._stop = True
            self._cond.notify_all()
            while self._running:
                self._cond.wait(0.05)
                if force is not None and time.monotonic() > deadline:
                    force()
                    force = None

    def _take(self) -> int | None:
        with self._cond:
            while not self._stop and self.next_job >= self.hold_at < self.n_jobs:
                self._cond.wait(0.05)
            if self._stop or self.next_job >= self.n_jobs:
                return None
            self.next_job += 1
            self.in_flight += 1
            return self.next_job - 1

    def _worker(self) -> None:
        try:
            while (job := self._take()) is not None:
                result = self._work(job)
                with self._cond:
                    self.in_flight -= 1
                    self._record(job, result)
                    self._cond.notify_all()
        except BaseException as exc:  # surfaced in the watching thread
            with self._cond:
                self._error = exc
                self._stop = True
                self.in_flight = 0
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()
