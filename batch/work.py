"""What an executor runs: the task function, what to do when a worker is lost, and the limits.

Shared by the local executor (executors.py) and the Dask one (dask_executor.py),
so neither imports the other at module level.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .sandbox import Limits


class ClusterUnavailable(Exception):
    """--executor dask, but Dask is not installed or the scheduler cannot be reached."""


@dataclass(frozen=True)
class Work:
    fn: Callable[[Any], Any]  # task -> result, in a worker
    lost: Callable[[Any, str], Any]  # (task, one-line reason) -> result, in the supervisor
    init: Callable | None = None  # once per worker process, before its first task
    init_args: tuple = ()
    limits: Limits = field(default_factory=Limits)


def result_of(work: Work, task: Any, got: tuple[str, Any]) -> Any:
    kind, value = got
    return value if kind == "ok" else work.lost(task, value)


