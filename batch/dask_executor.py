"""The same per-document task on a Dask distributed cluster.

Each Dask worker runs its tasks in killable sandboxes (store/sandbox.py) held
by a worker plugin, one per worker thread, so `--timeout` and
`--max-memory-mb` mean the same on a cluster as on one machine. Workers read
the input paths and write their Parquet files (the same atomic write) on shared
storage: paths are passed as absolute paths and must be the same on every
machine. Formpipe must be installed on the workers (the plugin and the task
travel by reference). The client keeps a window of twice the cluster's
threads in flight, so a huge folder never becomes a huge task graph, and a
stop request waits only for that window.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from distributed import Client, LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from .sandbox import Sandbox
from .work import ClusterUnavailable, Work, result_of

log = logging.getLogger("formpipe")
PLUGIN = "formpipe-sandboxes"
CONNECT_TIMEOUT = "20s"


class SandboxPool(WorkerPlugin):
    """Per Dask worker: idle sandboxes, started on demand, killed at teardown."""

    name = PLUGIN

    def __init__(self, init=None, init_args: tuple = ()):
        self.init, self.init_args = init, init_args

    def setup(self, worker) -> None:
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._all: list[Sandbox] = []
        self._lock = threading.Lock()

    def acquire(self) -> Sandbox:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            box = Sandbox(self.init, self.init_args)
            box.start()
            with self._lock:
                self._all.append(box)
            return box

    def release(self, box: Sandbox) -> None:
        self._idle.put(box)

    def teardown(self, worker) -> None:
        with self._lock:
            for box in self._all:
                box.close()


def sandboxed(task: Any, work: Work) -> Any:
    """The Dask task: run `work.fn(task)` in one of this worker's sandboxes."""
    pool: SandboxPool = get_worker().plugins[PLUGIN]
    box = pool.acquire()
    try:
        got = box.call(work.fn, task, work.limits)
    finally:
        pool.release(box)
    return result_of(work, task, got)


def connect(scheduler: str | None, workers: int) -> tuple[Client, LocalCluster | None]:
    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT), None
        except (OSError, TimeoutError, ValueError) as e:
            raise ClusterUnavailable(f"cannot reach the Dask scheduler at {scheduler} ({type(e).__name__}: {e})"
                                     .splitlines()[0]) from None
    cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.WARNING)
    return Client(cluster), cluster


def run_dask(tasks: Iterable, work: Work, scheduler: str | None, workers: int, stop) -> Iterator[tuple[Any, Any]]:
    client, cluster = connect(scheduler, workers)
    try:
        client.register_plugin(SandboxPool(work.init, work.init_args), name=PLUGIN)
        threads = sum(client.nthreads().values()) or 1
        log.info("dask: %d worker thread(s) at %s", threads, client.scheduler.address)
        todo = deque(tasks)
        live: dict[str, Any] = {}
        done = as_completed()
        run, serial = uuid.uuid4().hex[:8], itertools.count()

        def submit() -> None:
            task = todo.popleft()
            fut = client.submit(sandboxed, task, work, pure=False, key=f"formpipe-{run}-{next(serial)}")
            live[fut.key] = task
            done.add(fut)

        for _ in range(min(2 * threads, len(todo))):
            submit()
        for fut in done:
            task = live.pop(fut.key)
            try:
                result = fut.result()
            except Exception as e:  # noqa: BLE001 - KilledWorker, lost connection, ...
                result = work.lost(task, f"dask worker lost ({type(e).__name__}: {e})".splitlines()[0])
            fut.release()
            yield task, result
            if todo and not stop.is_set():
                submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
