"""Where the per-document task runs: in this process, in a local pool of killable
worker processes, or on a Dask cluster (dask_executor.py).

Every executor takes the same `Work` and yields (task, result) pairs as tasks
finish, in any order; none ever raises for one task's failure. `work.fn` runs
in a worker; `work.lost(task, reason)` runs in the supervisor when the worker
was killed (time or memory limit), died, or raised. Both must be module-level
functions (they travel pickled by reference). `stop` is a threading.Event:
once set, no new task starts and the executor returns when the tasks in flight
are done.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any

from .sandbox import POLL, Sandbox
from .work import ClusterUnavailable, Work, result_of

log = logging.getLogger("formpipe")


def execute(tasks: list, work: Work, executor: str, workers: int, scheduler: str | None, stop) -> Iterator:
    """executor "local" with workers 0: in this process; "local": a pool of `workers`
    processes; "dask": a Dask cluster at `scheduler` (None: a LocalCluster of `workers`)."""
    if not tasks:
        return iter(())
    if executor == "dask":
        try:
            from .dask_executor import run_dask
        except ImportError as e:
            raise ClusterUnavailable(f"--executor dask needs dask[distributed] ({e})") from e
        return run_dask(tasks, work, scheduler, workers or os.cpu_count() or 1, stop)
    if workers == 0:
        return run_inline(tasks, work, stop)
    return run_local(tasks, work, workers, stop)


def describe(executor: str, workers: int, scheduler: str | None) -> str:
    if executor == "dask":
        return f"dask {scheduler or 'LocalCluster'}"
    return "local" if workers else "inline"


def run_inline(tasks: Iterable, work: Work, stop) -> Iterator[tuple[Any, Any]]:
    """In this process, in order; no time or memory limit (for debugging and the Python API)."""
    for task in tasks:
        if stop.is_set():
            return
        try:
            result = work.fn(task)
        except MemoryError:
            result = work.lost(task, "memory limit exceeded (MemoryError)")
        except Exception as e:  # noqa: BLE001 - work.fn should not raise; if it does, one task fails
            result = work.lost(task, f"internal error ({type(e).__name__}: {e})".splitlines()[0])
        yield task, result


def run_local(tasks: Iterable, work: Work, workers: int, stop) -> Iterator[tuple[Any, Any]]:
    """`workers` child processes, one task each at a time, started lazily, replaced when killed.

    The caller orders the tasks (largest first keeps a big document from
    starting last and holding up the end of the run).
    """
    queue = deque(tasks)
    boxes: list[Sandbox] = []
    try:
        while True:
            if not stop.is_set():
                for box in boxes:
                    if box.task is None and queue:
                        box.send(work.fn, queue.popleft())
                while queue and len(boxes) < workers:
                    box = Sandbox(work.init, work.init_args)
                    box.start()
                    boxes.append(box)
                    box.send(work.fn, queue.popleft())
            running = [b for b in boxes if b.task is not None]
            if not running:
                return
            ready = wait([b.conn for b in running], POLL)
            for box in running:
                task = box.task
                if box.conn in ready:
                    got = box.receive()
                    if got is not None:
                        yield task, result_of(work, task, got)
                else:
                    reason = box.check(work.limits)
                    if reason:
                        yield task, work.lost(task, reason)
    finally:  # idle children exit politely; busy ones (an abandoned run) are killed
        for box in boxes:
            box.close()


class stop_on_signals:
    """SIGINT/SIGTERM set `stop` (finish the documents in flight); a second one raises
    KeyboardInterrupt (the workers are killed). Only in the main thread."""

    def __init__(self, stop: threading.Event):
        self.stop, self.old = stop, {}

    def _handler(self, signum, frame) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()
        log.warning("%s: stopping after the documents in flight (again to stop at once)", signal.Signals(signum).name)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc) -> None:
        for s, h in self.old.items():
            signal.signal(s, h)
