"""How the sandbox starts a grading child: a fresh interpreter (one grading), or a fork
of a pre-imported worker (batch grading: the torch import is paid once per worker)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from grader import proctree

STREAM_LIMIT = 16_000
# Every process we started and have not reaped: on Ctrl-C or SIGTERM the CLI kills them
# all, with everything below them, even those a batch thread was still waiting on.
_live: set[int] = set()
_live_lock = threading.Lock()


def _track(pid: int) -> None:
    with _live_lock:
        _live.add(pid)


def _untrack(pid: int) -> None:
    with _live_lock:
        _live.discard(pid)


def kill_all() -> None:
    with _live_lock:
        pids = list(_live)
        _live.clear()
    for pid in pids:
        proctree.kill_tree(pid)
        _killpg(pid)
CHILD = [sys.executable, "-I", "-m", "grader.harness.main"]
WORKER = [sys.executable, "-I", "-m", "grader.harness.zygote"]


class Spawned:
    """A grading child started as a new Python process (inside bubblewrap when `sandbox`
    is given: the bwrap arguments that go before the command). The child sets its own
    limits first thing (no preexec_fn: it is unsafe beside threads)."""

    def __init__(self, config: Path, cwd: Path, env: dict, sandbox: list[str] | None = None):
        command = [*(sandbox or []), *CHILD, str(config)]
        self.proc = subprocess.Popen(command, cwd=cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.pid = self.proc.pid
        _track(self.pid)
        self._out, self._err = [], []
        self._readers = [_drain(self.proc.stdout, self._out), _drain(self.proc.stderr, self._err)]

    def poll(self) -> int | None:
        return self.proc.poll()

    def stop(self) -> None:
        if self.proc.poll() is None:
            proctree.kill_tree(self.pid)
            _killpg(self.pid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        _untrack(self.pid)
        for reader in self._readers:
            reader.join(timeout=5)

    def output(self) -> tuple[str, str]:
        return "".join(self._out), "".join(self._err)


class WorkerError(RuntimeError):
    """The batch worker process is gone; the batch falls back to a fresh one."""


class Worker:
    """A pre-imported worker process; `launch` forks one grading child from it."""

    def __init__(self):
        self.proc = None

    def _ensure(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(WORKER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                         start_new_session=True)
            _track(self.proc.pid)
        return self.proc

    def launch(self, config: Path, cwd: Path, env: dict) -> "Forked":
        return Forked(self, config, cwd, env)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proctree.kill_tree(self.proc.pid)
                _killpg(self.proc.pid)
        if self.proc is not None:
            _untrack(self.proc.pid)


class Forked:
    """A grading child forked by a Worker; its output goes to files in the work dir."""

    def __init__(self, worker: Worker, config: Path, cwd: Path, env: dict):
        self.worker = worker
        proc = worker._ensure()
        self.out_path, self.err_path = Path(cwd) / ".stdout", Path(cwd) / ".stderr"
        proc.stdin.write(json.dumps({"config": str(config), "cwd": str(cwd), "env": env,
                                     "stdout": str(self.out_path),
                                     "stderr": str(self.err_path)}) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:  # the worker itself died (it could not import torch?)
            raise WorkerError("the pre-imported grading worker exited unexpectedly")
        self.pid = int(json.loads(line)["pid"])
        self.status: int | None = None

    def poll(self) -> int | None:
        if self.status is None:
            proc = self.worker.proc
            if select.select([proc.stdout], [], [], 0)[0]:
                line = proc.stdout.readline()
                self.status = int(json.loads(line)["status"]) if line else -9
        return self.status

    def stop(self) -> None:
        if self.poll() is None:
            proctree.kill_tree(self.pid)
            _killpg(self.pid)
            line = self.worker.proc.stdout.readline()  # the worker reports the kill
            self.status = int(json.loads(line)["status"]) if line else -9

    def output(self) -> tuple[str, str]:
        return _capped_file(self.out_path), _capped_file(self.err_path)


def _capped_file(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(STREAM_LIMIT)
            rest = os.fstat(handle.fileno()).st_size - len(head)
    except FileNotFoundError:
        return ""
    text = head.decode("utf-8", "replace")
    return text + (f"\n... [truncated: {rest} more bytes]" if rest > 0 else "")


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _drain(stream, sink: list) -> threading.Thread:
    """Read a pipe to its end so the child never blocks, keeping only the first part."""
    def pump():
        kept = dropped = 0
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            if kept < STREAM_LIMIT:
                piece = chunk[: STREAM_LIMIT - kept]
                sink.append(piece.decode("utf-8", "replace"))
                kept += len(piece)
                dropped += len(chunk) - len(piece)
            else:
                dropped += len(chunk)
        if dropped:
            sink.append(f"\n... [truncated: {dropped} more bytes]")
        stream.close()

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread
