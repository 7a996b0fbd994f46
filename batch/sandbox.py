"""A worker process that its supervisor can kill: one task at a time, under a time and memory limit.

A document that hangs in C code (a parser loop holding the GIL, a decoder
stuck on a crafted image) cannot be stopped from inside its own process. So
each task runs in a child process, and the supervisor (the local pool in the
parent, or a Dask worker) watches it: past the time limit, or past the memory
limit (resident memory of the child and its own children, e.g. tesseract,
sampled every `POLL` seconds with psutil), it kills the child's whole process
group with SIGKILL, reports the task as lost with a one-line reason, and starts
a fresh child for the next task.

RLIMIT_AS is not used: pyarrow's allocator alone reserves ~1.5 GB of address
space that it never touches, so an address-space cap either misfires or is too
loose to matter. A MemoryError inside the child is reported the same way.

The child is a fresh interpreter (`subprocess`, not `multiprocessing`, so Dask
workers, which are daemonic processes, can start it too) on the parent's
`sys.path`, in its own session (a terminal's Ctrl-C goes to the supervisor,
which decides), and asks the kernel to kill it when its parent dies
(PR_SET_PDEATHSIG), so a SIGKILLed run leaves no orphan writing files.
Functions and tasks travel pickled by reference over a socket pair.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

POLL = 0.2  # seconds between limit checks
INIT_GRACE = 120.0  # a fresh child's start-up (interpreter, jieba) does not count against the task


class StartupFailed(Exception):
    """A worker process died before it was ready: a broken installation, not a bad document."""


@dataclass(frozen=True)
class Limits:
    timeout: float | None = None  # seconds per task
    max_memory_mb: int | None = None  # resident memory of the worker process and its children


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the EOF check in the loop still ends the child
        pass
    if os.getppid() != parent:  # the parent died before the prctl
        os._exit(1)


def child_main(fd: int, parent: int) -> None:
    """The child's loop: (init, args) once, then (fn, task) -> ("ok", result) | ("error", reason)."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    conn = Connection(fd)
    try:
        init, args = conn.recv()
        if init is not None:
            init(*args)
        conn.send(("ready", None))
        while True:
            msg = conn.recv()
            if msg is None:
                return
            fn, task = msg
            try:
                reply = ("ok", fn(task))
            except MemoryError:
                reply = ("error", "memory limit exceeded (MemoryError)")
            except BaseException as e:  # noqa: BLE001 - everything goes back as one line
                reply = ("error", f"internal error ({type(e).__name__}: {e})".splitlines()[0])
            conn.send(reply)
    except (EOFError, OSError, KeyboardInterrupt):  # the supervisor went away
        return


def _import_path() -> str:
    return os.pathsep.join(p for p in sys.path if p and os.path.exists(p))


class Sandbox:
    """One child process. Non-blocking use: send(), then wait on `conn`, receive() and
    check(); blocking use: call()."""

    def __init__(self, init: Callable | None = None, init_args: tuple = ()):
        self.init, self.init_args = init, init_args
        self.proc: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.task: Any = None
        self.sent = 0.0
        self.ready_at: float | None = None

    # -- life ----------------------------------------------------------------
    def start(self) -> None:
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": _import_path()}
        code = "import sys; from formpipe.batch.sandbox import child_main; child_main(int(sys.argv[1]), int(sys.argv[2]))"
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(theirs.fileno()), str(os.getpid())],
                                     pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        theirs.close()
        self.conn = Connection(mine.detach())
        self.ready_at = None
        self.conn.send((self.init, self.init_args))

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.conn is not None:
            self.conn.close()
        self.proc, self.conn, self.task = None, None, None

    def close(self, grace: float = 5.0) -> None:
        """Ask the child to exit; kill it if it does not within `grace` seconds."""
        if self.alive and self.task is None:
            try:
                self.conn.send(None)
                self.proc.wait(grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    # -- tasks ---------------------------------------------------------------
    def send(self, fn: Callable, task: Any) -> None:
        if not self.alive:
            self.kill()
            self.start()
        self.task = task
        self.sent = time.monotonic()
        self.conn.send((fn, task))

    def receive(self) -> tuple[str, Any] | None:
        """After `conn` is readable: ("ok", result) | ("error", reason) | ("lost", reason) when
        the child died; None for the ready message (the task is still running)."""
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            reason, starting = self._death(), self.ready_at is None
            self.kill()
            if starting:
                raise StartupFailed(f"a worker process died while starting: {reason} (its error is above)") from None
            return "lost", reason
        if kind == "ready":
            self.ready_at = time.monotonic()
            return None
        self.task = None
        return kind, value

    def _death(self) -> str:
        try:
            code = self.proc.wait(5) if self.proc else None
        except subprocess.TimeoutExpired:  # closed its end but lives on
            return "worker process stopped answering"
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            if name == "SIGKILL":  # the kernel's OOM killer, or someone else
                return "worker process killed (SIGKILL; out of memory?)"
            return f"worker process crashed ({name})"
        return f"worker process exited (code {code})"

    def rss_mb(self) -> float:
        import psutil
        try:
            p = psutil.Process(self.proc.pid)
            procs = [p, *p.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0
        for q in procs:
            with contextlib.suppress(psutil.Error):
                total += q.memory_info().rss
        return total / 2**20

    def check(self, limits: Limits) -> str | None:
        """A running task past a limit: kill the child, return the reason (the task is lost)."""
        if self.task is None:
            return None
        reason = None
        if self.ready_at is None:
            started, allowance = self.sent, INIT_GRACE
        else:
            started, allowance = max(self.sent, self.ready_at), 0.0
        if limits.timeout and time.monotonic() - started > limits.timeout + allowance:
            reason = f"time limit exceeded ({limits.timeout:g} s)"
        elif limits.max_memory_mb:
            rss = self.rss_mb()
            if rss > limits.max_memory_mb:
                reason = f"memory limit exceeded ({rss:.0f} MB > {limits.max_memory_mb} MB)"
        if reason:
            self.kill()
        return reason

    def call(self, fn: Callable, task: Any, limits: Limits) -> tuple[str, Any]:
        """Run one task to its end: ("ok", result) | ("error", reason) | ("lost", reason)."""
        self.send(fn, task)
        while True:
            if wait([self.conn], POLL):
                got = self.receive()
                if got is not None:
                    return got
            reason = self.check(limits)
            if reason:
                return "lost", reason
