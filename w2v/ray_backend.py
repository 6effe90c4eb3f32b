"""Ray as the transport of `distributed`: connecting, one actor per shard, calls to all of them,
and replacing a worker that died.

`connect(None)` starts an embedded local Ray runtime (a private temporary directory, no
dashboard, workers' logs kept out of the terminal); "auto" joins the cluster `ray start` runs on
this machine; "host:port" or "ray://host:port" a remote one. An address that does not answer is
refused after a 3-second TCP check, in one line, instead of Ray's minutes of retries.

Does not: decide what workers compute (see `distributed`) or touch files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable

from .errors import W2VError

# before `import ray`: bound the retries of a reachable port that is not a Ray head
os.environ.setdefault("RAY_NUM_REDIS_GET_RETRIES", "3")
os.environ.setdefault("RAY_gcs_rpc_server_connect_timeout_s", "3")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

try:
    import ray
    from ray.exceptions import RayActorError, RayError, RayTaskError
except ImportError:  # pragma: no cover - the message says what to do
    ray = None

_CHECK_SECONDS = 3.0
_MAX_REPLACEMENTS = 3  # per worker and call, before the run gives up
_STORE_BYTES = 1 << 30  # a local object store: a few rounds of rows, not Ray's 30% of RAM


class ClusterError(W2VError):
    """The cluster cannot be reached or cannot go on."""


def _reachable(address: str) -> None:
    """Refuse at once an address nothing listens on (Ray itself retries for minutes)."""
    target = address[len("ray://"):] if address.startswith("ray://") else address
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"--ray {address}: not an address; give host:port, ray://host:port "
                           f"or auto (or nothing, for a local cluster)")
    try:
        socket.create_connection((host, int(port)), timeout=_CHECK_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ClusterError(f"cannot reach the Ray cluster at {target} ({reason}); is "
                           f"`ray start --head` running there?") from None


class WorkerDied(Exception):
    """A worker's process ended; `Cluster.replace` starts another."""

    def __init__(self, worker: int):
        super().__init__(f"worker {worker + 1} died")
        self.worker = worker


class Cluster:
    """Actors running `distributed.ShardTrainer`, one per shard."""

    def __init__(self, address: str | None, workers: int, threads: int):
        if ray is None:
            raise ClusterError("--ray needs Ray: pip install 'w2v[ray]'")
        _wait_for_close()
        self.workers, self.threads = workers, threads
        self._temp_dir = None
        if address not in (None, "local", "auto"):
            _reachable(address)
        try:
            if address in (None, "local"):
                # a short private directory: Ray's socket paths must fit in 107 bytes
                self._temp_dir = tempfile.mkdtemp(prefix="w2vray-", dir="/tmp")
                # the raylet warns on the terminal when actors outnumber 4 x this (default:
                # the cores), though one actor per worker is what was asked for
                os.environ.setdefault("RAY_worker_maximum_startup_concurrency", str(workers))
                ray.init(address="local", num_cpus=max(workers * threads, os.cpu_count() or 1),
                         include_dashboard=False, log_to_driver=False,
                         logging_level=logging.ERROR, object_store_memory=_STORE_BYTES,
                         _temp_dir=self._temp_dir)
            else:
                ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        except (ConnectionError, RuntimeError, TimeoutError, ValueError) as exc:
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ClusterError(f"cannot start or join Ray at {address or 'a local runtime'}: "
                               f"{first}") from None
        from .distributed import ShardTrainer

        self._actor = ray.remote(ShardTrainer).options(num_cpus=threads, max_restarts=0,
                                                       max_task_retries=0)
        self.handles: list = []
        self.replaced = 0
        self.interrupt: BaseException | None = None  # set by a signal handler, see call

    def start(self, plans, config) -> None:
        self._plans, self._config = plans, config
        self.handles = [self._actor.remote(plan, config) for plan in plans]

    def call(self, method: str, args: list[tuple | None],
             recover: Callable[[int], None] | None = None) -> list:
        """`method(*args[w])` on every worker w whose args are not None, in parallel; a worker
        that dies is replaced (`recover(w)` brings the new one up to date) and called again."""
        refs = {w: self.submit(w, method, *a) for w, a in enumerate(args) if a is not None}
        results: list = [None] * len(args)
        for w, ref in refs.items():
            tries = 0
            while True:
                try:
                    results[w] = self.result(w, ref, method)
                    break
                except WorkerDied:
                    if recover is None:
                        raise ClusterError(f"worker {w + 1} died in {method}") from None
                    tries += 1
                    self.replace(w, tries, method)
                    recover(w)
                    ref = self.submit(w, method, *args[w])
        return results

    def submit(self, w: int, method: str, *args):
        """Queue `method(*args)` on worker w (an actor runs its calls in order); a reference."""
        return getattr(self.handles[w], method).remote(*args)

    def result(self, w: int, ref, method: str):
        """Wait for a call's result: WorkerDied if its worker died, the worker's own W2VError,
        or a ClusterError in one line. A signal noted in `interrupt` is raised here, between
        short waits, not inside Ray's compiled wait."""
        while True:
            ready, _ = ray.wait([ref], num_returns=1, timeout=0.5)
            if self.interrupt is not None:
                raise self.interrupt
            if ready:
                break
        try:
            return ray.get(ref)
        except RayActorError:
            raise WorkerDied(w) from None
        except RayTaskError as exc:
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            if isinstance(cause, W2VError):
                raise cause from None
            raise ClusterError(f"worker {w + 1} failed in {method}: "
                               f"{str(cause).strip().splitlines()[-1]}") from None
        except RayError as exc:  # e.g. a forwarded result lost with its node
            raise ClusterError(f"worker {w + 1} failed in {method}: "
                               f"{type(exc).__name__}") from None

    def replace(self, w: int, tries: int, method: str) -> None:
        """A fresh worker for a dead one (its calls in flight are lost), up to a limit."""
        if tries > _MAX_REPLACEMENTS:
            raise ClusterError(f"worker {w + 1} died {tries} times in {method}; giving up")
        ray.kill(self.handles[w])
        self.handles[w] = self._actor.remote(self._plans[w], self._config)
        self.replaced += 1

    def close(self, wait: bool = True) -> None:
        """Stop the local runtime or leave the cluster; without `wait`, in the background
        (stopping Ray's processes takes about a second, which the caller can spend writing
        its output). The next Cluster, or the interpreter's exit, waits for it."""
        _wait_for_close()
        temp_dir, self._temp_dir = self._temp_dir, None
        # the actor handles go with Ray: one released while Ray stops would call into it
        handles, self.handles = getattr(self, "handles", []), []

        def shut_down() -> None:
            try:
                if ray is not None and ray.is_initialized():
                    if temp_dir:  # the runtime this process started
                        _stop_autoscaler_monitor()
                    ray.shutdown()
            except Exception as exc:  # the run's output does not depend on it
                print(f"warning: stopping Ray: {exc}", file=sys.stderr)
            handles.clear()
            if temp_dir:
                shutil.rmtree(temp_dir, ignore_errors=True)

        if wait:
            shut_down()
            return
        global _closing
        _closing = threading.Thread(target=shut_down, name="ray-shutdown")
        _closing.start()


_closing: threading.Thread | None = None  # a Cluster.close(wait=False) still running


def _stop_autoscaler_monitor() -> None:
    """Kill the local runtime's autoscaler monitor (it has nothing to scale): ray.shutdown
    stops the GCS first, then asks the monitor to stop, which tries to tell the GCS and is killed
    after Ray's one-second grace, a second every run waited. Ray's internals: where they differ,
    ray.shutdown stops it as before."""
    node = getattr(getattr(getattr(ray, "_private", None), "worker", None), "_global_node", None)
    with contextlib.suppress(Exception):
        node.kill_monitor(check_alive=False)


def _wait_for_close() -> None:
    if _closing is not None:
        _closing.join()
