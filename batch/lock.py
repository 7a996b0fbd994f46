"""One run at a time per outputs folder.

An advisory `flock` on `outputs/_state/lock`: the kernel drops it when its
holder exits, however it exits (SIGKILL included), so a dead run never keeps
the folder locked and there is nothing stale to clean up. The file holds the
holder's pid, host and start time for the refusal message. Worker processes
never inherit the descriptor (Python opens files non-inheritable), so an
orphaned worker cannot hold the lock either.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock; the message says who."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another formpipe run"
    return f"formpipe run pid {info.get('pid')} on {info.get('host')} since {info.get('since')}"


class OutputsLock:
    """`with OutputsLock(path):` or acquire()/release(); raises LockHeld at once, never waits."""

    def __init__(self, path: Path):
        self.path = path
        self._f = None

    def acquire(self) -> OutputsLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held open as long as the lock)
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            raise LockHeld(f"outputs {self.path.parent.parent} are in use by {_holder(self.path)}") from None
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                            "since": datetime.now(UTC).isoformat(timespec="seconds")}))
        f.flush()
        self._f = f
        return self

    def release(self) -> None:
        if self._f is None:
            return
        try:
            self._f.seek(0)
            self._f.truncate()
            fcntl.flock(self._f.fileno(), fcntl.LOCK_UN)
        finally:
            self._f.close()
            self._f = None

    def __enter__(self) -> OutputsLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def live_holder(path: Path) -> str | None:
    """Who holds the lock now ("formpipe run pid … on … since …"), or None when no run does.
    Only tests the lock (shared, not waiting, released at once): works on read-only outputs."""
    try:
        f = open(path, encoding="utf-8")  # noqa: SIM115 (closed in the finally below)
    except OSError:
        return None
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _holder(path)
    else:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        return None
    finally:
        f.close()
