"""A process pool whose workers can be stopped in the middle of a document.

A Python alarm cannot interrupt C code (a Lexbor parse of a page with a
million attributes runs for half an hour), so the time limit per document is
kept by the parent: a worker reports after every item, and a worker silent
for longer than ``time_limit`` seconds is killed and replaced. The task is
then given again to a fresh worker with that item marked as timed out, so
the document is rejected with the reason and the other documents of the
batch are done as usual. A worker that dies on its own (a crash in C code,
the kernel's OOM killer) is handled the same way.

Workers die with their parent: each sets ``PR_SET_PDEATHSIG`` (Linux) and
also watches its parent's pid, so a ``kill -9`` of the run leaves no orphan.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux), and watch the parent anyway."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc: the watcher below still works
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


class Tick:
    """Given to a task function: call it after each item, skipped ones too (resets the time limit)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.done = 0

    def __call__(self) -> None:
        self.done += 1
        self._conn.send(("tick", self.done))


def _worker_main(conn: Connection, initializer: Callable | None, initargs: tuple) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args, skip = message
        tick = Tick(conn)
        try:
            result = fn(*args, skip=skip, tick=tick)
        except BaseException:  # noqa: BLE001 - sent to the parent, which raises it
            conn.send(("error", traceback.format_exc()))
        else:
            conn.send(("done", result))


@dataclass
class _Task:
    key: Any
    fn: Callable
    args: tuple
    skip: dict[int, str] = field(default_factory=dict)  # item index -> why it is rejected without running


class _Worker:
    def __init__(self, context, initializer, initargs) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, initializer, initargs), daemon=True)
        self.process.start()
        child.close()
        self.task: _Task | None = None
        self.items_done = 0
        self.started = 0.0
        self.deadline = float("inf")

    def give(self, task: _Task, time_limit: float | None) -> None:
        self.task, self.items_done = task, 0
        self.started = time.monotonic()
        self.deadline = self.started + time_limit if time_limit else float("inf")
        self.conn.send((task.fn, task.args, task.skip))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class TaskError(RuntimeError):
    """A task function raised (not a per-document problem: those are rejections)."""


class KillablePool:
    """``workers`` processes running tasks ``fn(*args, skip=..., tick=...)``.

    :meth:`run` yields ``(key, result)`` as tasks finish. A task is a batch
    of items; ``fn`` must call ``tick()`` after each item and treat the
    indices in ``skip`` (item index -> reason) as rejected without running
    them. ``time_limit`` (seconds per item) None means no limit.
    """

    def __init__(self, workers: int, initializer: Callable | None = None, initargs: tuple = (),
                 time_limit: float | None = None) -> None:
        self.size = max(1, workers)
        self.time_limit = time_limit
        self._context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self._init = (initializer, initargs)
        # forked workers start with a copy of the parent's memory: what it loaded, the data it holds
        self.forks = self._context.get_start_method() == "fork"
        self._workers: list[_Worker] = []
        self.replaced = 0  # workers killed for a time limit or found dead

    def set_initargs(self, initargs: tuple) -> None:
        """The initializer's arguments for workers started from now on (with fork they are not
        pickled: a forked worker gets the very objects)."""
        self._init = (self._init[0], initargs)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, *self._init)
        self._workers.append(worker)
        return worker

    def run(self, tasks: Iterable[tuple[Any, Callable, tuple]], prefetch: int | None = None,
            time_limit: float | None = None) -> Iterator[tuple[Any, Any]]:
        """Run ``(key, fn, args)`` tasks; ``time_limit``: seconds per item for these tasks (None: no limit)."""
        self.time_limit = time_limit
        source = iter(tasks)
        waiting: deque[_Task] = deque()
        exhausted = False
        ahead = self.size if prefetch is None else prefetch

        def refill() -> None:
            nonlocal exhausted
            while not exhausted and len(waiting) < ahead:
                try:
                    key, fn, args = next(source)
                except StopIteration:
                    exhausted = True
                    return
                waiting.append(_Task(key, fn, args))

        while len(self._workers) < self.size:
            self._spawn()
        refill()
        while True:
            for worker in self._workers:
                if worker.task is None and waiting:
                    worker.give(waiting.popleft(), self.time_limit)
            refill()
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                if exhausted and not waiting:
                    return
                continue
            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in busy) - now)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=min(timeout, 5.0))
            for worker in busy:
                finished = self._poll(worker, ready)
                if finished is not None:
                    yield finished
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.task is not None and now > worker.deadline:
                    self._replace(worker, f"took longer than the time limit of {self.time_limit:g} s per document "
                                          "(the worker was stopped)")

    def _poll(self, worker: _Worker, ready: list) -> tuple[Any, Any] | None:
        while worker.task is not None and worker.conn.poll():
            try:
                kind, value = worker.conn.recv()
            except (EOFError, OSError):
                break
            if kind == "tick":
                worker.items_done = value
                if self.time_limit:
                    worker.deadline = time.monotonic() + self.time_limit
                continue
            task = worker.task
            worker.task = None
            if kind == "error":
                raise TaskError(f"task {task.key!r} failed in a worker:\n{value}")
            return task.key, value
        if worker.task is not None and not worker.process.is_alive():
            code = worker.process.exitcode
            why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            self._replace(worker, f"the worker process died ({why}) while processing it")
        return None

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Kill ``worker``; its current item is rejected with ``reason`` and its task goes to a new worker."""
        task = worker.task
        assert task is not None
        index = worker.items_done  # tasks tick after every item, skipped ones too
        worker.kill()
        self._workers.remove(worker)
        self.replaced += 1
        task.skip = {**task.skip, index: reason}
        fresh = self._spawn()
        fresh.give(task, self.time_limit)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers.clear()

    def kill(self) -> None:
        for worker in self._workers:
            worker.kill()
        self._workers.clear()

    def __enter__(self) -> KillablePool:
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is not None:
            for worker in self._workers:
                worker.kill()
            self._workers.clear()
        else:
            self.close()
