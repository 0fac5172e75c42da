"""Run the hidden graders in a child process with limits, and collect its events.

Limits: an environment allow-list, a memory cap, a per-check time limit (a hanging check
is killed and reported by name, then the child restarts without it so the other checks
still run), an import limit, an overall limit, and capped stdout/stderr. Results come
back as JSON lines on a file of their own; nothing from the child is unpickled or eval'd.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import isolation, proctree, submitted
from grader.catalog import Drill
from grader.launch import Spawned, Worker

IMPORT_SECONDS = 60.0
# The child stops a slow check itself (an alarm); the parent kills the process only if
# the child cannot (stuck inside C code), after this much extra time.
KILL_GRACE_SECONDS = 15.0
# A candidate that kills its own process in every check would cost one restart per
# check; after this many crashes in a row the rest are reported as not run.
CRASH_STREAK = 3
POLL_SECONDS = 0.02
# The whole process tree of one grading (graders, the candidate's process and whatever
# it starts): more processes than this, or more memory than the drill's limit plus the
# graders' own share, and the tree is killed.
MAX_PROCESSES = 64
MAX_THREADS = 1024
GRADERS_MEMORY_MB = 1536
TREE_POLL_SECONDS = 0.1
HOST_FILE_BYTES = 64 * 1024 * 1024
ENV_PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT",
                   # some processors need these for OpenBLAS to compute correctly
                   "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class SandboxRun:
    """What the child said, plus what the parent observed (timeouts, crashes, output)."""
    hello: dict = field(default_factory=dict)
    load_error: dict | None = None
    load_output: str = ""
    collected: list[dict] = field(default_factory=list)
    results: dict[str, dict] = field(default_factory=dict)
    status: str = "ok"          # ok | load_error | load_timeout | load_crash | total_timeout
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    elapsed_s: float = 0.0
    restarts: int = 0

    @property
    def artifacts(self) -> dict:
        """Data the graders recorded for the plots, merged over every test."""
        merged: dict = {}
        for result in self.results.values():
            merged.update(result.get("artifacts") or {})
        return merged


@dataclass
class Limits:
    check_seconds: float
    total_seconds: float
    memory_mb: int
    per_check: dict[str, float] = field(default_factory=dict)
    import_seconds: float = IMPORT_SECONDS

    @classmethod
    def for_drill(cls, drill: Drill) -> "Limits":
        return cls(float(drill.limits["check_seconds"]), float(drill.limits["total_seconds"]),
                   int(drill.limits["memory_mb"]),
                   {c.id: c.timeout for c in drill.checks if c.timeout})


def run_graders(drill: Drill, candidate: Path, limits: Limits | None = None,
                seeds: list[int] | None = None, only_checks: list[str] | None = None,
                worker: Worker | None = None, demos: bool = False,
                source: bytes | None = None, apart: bool | None = None) -> SandboxRun:
    """Grade `candidate` with the drill's hidden graders. `seeds` parametrises the
    statistical graders (the flake proof passes hundreds); `only_checks` narrows the run;
    `demos` runs the unscored demos (data for the plots) instead of the checks. `source`:
    the file's bytes as already read and checked (else it is read here). `apart=False`
    runs a drill whose candidate normally gets a process of its own in the graders'
    process instead (the flake proofs: same draws, same statistics, no round trips)."""
    limits = limits or Limits.for_drill(drill)
    sweep_stale()
    work = Path(tempfile.mkdtemp(prefix=f"drill-grade-{os.getpid()}-"))
    _live_dirs.add(work)
    try:
        return _Runner(drill, candidate, limits, seeds or [0], work, only_checks, worker,
                       demos, source, apart).run()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        _live_dirs.discard(work)


_live_dirs: set[Path] = set()


def remove_all() -> None:
    """After an interrupt: the folders of gradings still running in other threads."""
    for work in list(_live_dirs):
        shutil.rmtree(work, ignore_errors=True)
        _live_dirs.discard(work)


def sweep_stale() -> None:
    """Remove the folders of gradings whose drill process was killed outright (SIGKILL
    leaves no chance to clean up): their name carries the pid that made them."""
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.glob("drill-grade-*-*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name.split("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


class _Runner:
    def __init__(self, drill: Drill, candidate: Path, limits: Limits, seeds: list[int],
                 work: Path, only_checks: list[str] | None = None, worker: Worker | None = None,
                 demos: bool = False, source: bytes | None = None, apart: bool | None = None):
        self.apart_wanted = apart
        self.drill, self.limits, self.seeds, self.work = drill, limits, seeds, work
        self.worker = worker
        self.demos = demos
        self.only_checks = only_checks
        self.crashed_checks: list[str] = []
        self.crash_streak = 0
        self.outcome = SandboxRun()
        self.check_of: dict[str, str | None] = {}
        (work / "home").mkdir()
        (work / "cwd").mkdir()
        # The child only ever sees a copy: the candidate's own file is never touched.
        self.candidate = work / "candidate" / drill.candidate_file
        self.candidate.parent.mkdir()
        self.candidate.write_bytes(submitted.read(candidate) if source is None else source)
        self.graders = work / "graders"
        shutil.copytree(drill.graders_dir, self.graders,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.ini = work / "pytest.ini"
        self.ini.write_text("[pytest]\n", encoding="utf-8")

    def run(self) -> SandboxRun:
        started = time.monotonic()
        deadline = started + self.limits.total_seconds
        stdout, stderr = [], []
        while True:
            attempt = self._attempt(deadline, stdout, stderr)
            if attempt != "restart":
                break
            self.outcome.restarts += 1
            if self.outcome.restarts > len(self.check_of) + 2:
                self.outcome.status, self.outcome.message = "total_timeout", (
                    "the graders kept being interrupted; stopped restarting them")
                break
        self.outcome.elapsed_s = round(time.monotonic() - started, 3)
        self.outcome.stdout = "".join(stdout)
        self.outcome.stderr = "".join(stderr)
        return self.outcome

    # One child process; returns "done" or "restart" (after a hang or crash mid-test).
    def _attempt(self, deadline: float, stdout: list, stderr: list) -> str:
        results_path = self.work / f"events-{self.outcome.restarts}.jsonl"
        results_path.touch()
        config = self.work / f"config-{self.outcome.restarts}.json"
        sandbox = None if self.worker is not None else self._judge_sandbox()
        config.write_text(json.dumps({
            "candidate": str(self.candidate), "display_name": self.drill.candidate_file,
            "module_name": Path(self.drill.candidate_file).stem, "graders": str(self.graders),
            "results": str(results_path), "entrypoints": list(self.drill.entrypoints),
            "adopt": self.drill.judge_holds_layers,
            "skip": sorted(self.outcome.results), "seeds": self.seeds,
            "rootdir": str(self.work), "ini": str(self.ini), "only_checks": self.only_checks,
            "check_seconds": self.limits.check_seconds, "per_check": self.limits.per_check,
            "crashed_checks": self.crashed_checks,
            "check_order": [c.id for c in self.drill.checks], "demos": self.demos,
            "host": self._host_spec() if self._apart else None,
            # demos yield the CPU to the checks running beside them
            "memory_bytes": self.limits.memory_mb * 1024 * 1024, "nice": 10 if self.demos else 0,
            # a fresh child checks it is still ours; a worker's fork has the worker as its
            # parent, and inside bubblewrap the parent is bwrap's init (which dies with us)
            "parent": os.getpid() if self.worker is None and sandbox is None else None,
        }), encoding="utf-8")
        if self.worker is not None:
            handle = self.worker.launch(config, self.work / "cwd", self._environment())
        else:
            handle = Spawned(config, self.work / "cwd", self._environment(), sandbox)
        try:
            return self._watch(handle, results_path, deadline)
        finally:
            handle.stop()
            out, err = handle.output()
            stdout.append(out)
            stderr.append(err)

    def _watch(self, proc, results_path: Path, deadline: float) -> str:
        offset, pending = 0, b""
        spawned = time.monotonic()
        loaded = False
        current, current_start = None, 0.0
        next_census = spawned + TREE_POLL_SECONDS
        while True:
            code = proc.poll()
            exited = code is not None
            with open(results_path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            offset += len(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                event = _parse(line)
                kind = event.get("event")
                if kind == "hello":
                    self.outcome.hello = event
                elif kind == "loaded":
                    loaded = True
                    self.outcome.load_output = event.get("output", "")
                elif kind == "load_error":
                    self.outcome.status, self.outcome.load_error = "load_error", event
                    self.outcome.message = event.get("message", "")
                    return "done"
                elif kind == "load_crash":  # the candidate's own process died importing
                    self.outcome.status = "load_crash"
                    self.outcome.message = str(event.get("message", ""))
                    return "done"
                elif kind == "collected":
                    for test in event.get("tests", []):
                        self.check_of[test["nodeid"]] = test.get("check")
                        if test not in self.outcome.collected:
                            self.outcome.collected.append(test)
                elif kind == "start":
                    current, current_start = event.get("nodeid"), time.monotonic()
                elif kind == "result":
                    self.outcome.results[event["nodeid"]] = event
                    current = None
                    if event.get("outcome") != "crashed":
                        self.crash_streak = 0
                elif kind == "done":
                    return "done"
            now = time.monotonic()
            if not exited and now >= next_census:
                next_census = now + TREE_POLL_SECONDS
                excess = self._census(proc.pid)
                if excess:
                    proctree.kill_tree(proc.pid)
                    if not loaded:
                        self.outcome.status, self.outcome.message = "load_crash", (
                            f"importing {self.drill.candidate_file} {excess}")
                        return "done"
                    if current:
                        self.outcome.results[current] = _synthetic(
                            current, self.check_of.get(current), "crashed",
                            f"this check was stopped: the candidate's code {excess}")
                        check = self.check_of.get(current)
                        if check and check not in self.crashed_checks:
                            self.crashed_checks.append(check)
                    return "restart"
            if exited:
                return self._after_exit(code, loaded, current)
            if not loaded and now - spawned > self.limits.import_seconds:
                self.outcome.status = "load_timeout"
                self.outcome.message = (f"importing {self.drill.candidate_file} did not finish "
                                        f"within {self.limits.import_seconds:.0f}s")
                return "done"
            if now > deadline:
                self.outcome.status = "total_timeout"
                self.outcome.message = (f"grading stopped at the overall limit of "
                                        f"{self.limits.total_seconds:.0f}s")
                return "done"
            if current and now - current_start > self._limit_for(current) + KILL_GRACE_SECONDS:
                self.outcome.results[current] = _synthetic(
                    current, self.check_of.get(current), "timeout",
                    f"did not finish within {self._limit_for(current):.0f}s and could not be "
                    "interrupted, so its process was killed (stuck inside a long tensor "
                    "operation?)")
                return "restart"
            time.sleep(POLL_SECONDS)

    def _after_exit(self, code: int, loaded: bool, current: str | None) -> str:
        how = _describe_exit(code)
        if not loaded:
            self.outcome.status = "load_crash"
            self.outcome.message = (f"the grading process {how} while importing "
                                    f"{self.drill.candidate_file}")
            return "done"
        if current:
            check = self.check_of.get(current)
            self.outcome.results[current] = _synthetic(
                current, check, "crashed",
                f"the process running this check {how} (does your code call sys.exit, "
                "os._exit or kill its own process, or run out of memory?)")
            if check and check not in self.crashed_checks:
                self.crashed_checks.append(check)
            self.crash_streak += 1
            if self.crash_streak >= CRASH_STREAK:
                for nodeid, other in self.check_of.items():
                    if nodeid not in self.outcome.results:
                        self.outcome.results[nodeid] = _synthetic(
                            nodeid, other, "not-run",
                            f"not run: the grading process was killed {self.crash_streak} "
                            "times in a row, so the remaining checks were abandoned")
                return "done"
            return "restart"
        pending = [n for n in self.check_of if n not in self.outcome.results]
        return "restart" if pending else "done"

    def _census(self, root: int) -> str:
        """Why the grading's process tree must be stopped, or "" while it is within bounds."""
        tree = proctree.descendants(root)
        if len(tree) > MAX_PROCESSES:
            return f"started more than {MAX_PROCESSES} processes"
        if proctree.threads(tree) > MAX_THREADS:
            return f"started more than {MAX_THREADS} threads"
        limit = (self.limits.memory_mb + GRADERS_MEMORY_MB) * 1024 * 1024
        held = proctree.held_file_bytes(tree)
        if proctree.resident_bound(tree) + held <= limit:  # the usual case, read cheaply
            return ""
        used = proctree.resident_bytes(tree) + held
        if used > limit:
            return (f"and its processes used {used / 2**30:.1f} GiB of memory together "
                    f"(allowed: {self.limits.memory_mb / 1024:.1f} GiB)")
        return ""

    def _limit_for(self, nodeid: str) -> float:
        check = self.check_of.get(nodeid)
        return self.limits.per_check.get(check, self.limits.check_seconds)

    @property
    def _apart(self) -> bool:
        """The candidate's code gets a process of its own when a verdict depends on it.
        The unscored demos (data for the plots) decide nothing, so they run the old way,
        in one sandboxed process: many small training steps are much faster without a
        round trip each, and a forged plot fools only its own author."""
        if self.apart_wanted is not None:
            return self.apart_wanted and self.drill.separate_process
        return self.drill.separate_process and not self.demos

    def _judge_sandbox(self) -> list[str] | None:
        """A drill whose graders share the candidate's process runs that process in
        bubblewrap, with only this grading's folder writable (the results channel)."""
        if self._apart or not isolation.available():
            return None
        return isolation.command([], writable=[self.work], chdir=str(self.work / "cwd"),
                                 env=self._environment())

    def _host_spec(self) -> dict:
        """How the judge starts the candidate's own process: sandboxed when bwrap works."""
        limits = {"memory_bytes": self.limits.memory_mb * 1024 * 1024,
                  "file_bytes": HOST_FILE_BYTES, "core": 0, "files": 256}
        argv = [sys.executable, "-I", "-m", "grader.harness.host", "{fd}"]
        if not isolation.available():
            return {"command": argv + [json.dumps(limits)], "cwd": str(self.work / "cwd"),
                    "env": self._environment()}
        # inside its own user namespace the count is the sandbox's alone (root is exempt:
        # the census below is what stops a fork storm there); above the census's bound,
        # so the census names the cause wherever it runs
        limits["processes"] = 2 * MAX_PROCESSES
        env = self._environment(home="/tmp")
        command = isolation.command(argv + [json.dumps(limits)],
                                    readonly=[self.candidate.parent], env=env)
        return {"command": command, "cwd": str(self.work / "cwd"), "env": env}

    def _environment(self, home: str | None = None) -> dict:
        env = {k: os.environ[k] for k in ENV_PASSTHROUGH if k in os.environ}
        home = home or str(self.work / "home")
        env.update(HOME=home, TMPDIR=home,
                   PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1",
                   # A fixed threshold makes glibc return big tensors' memory on free;
                   # the adaptive default fragments the heap until the memory cap hits.
                   MALLOC_MMAP_THRESHOLD_="1048576")
        env.setdefault("PATH", "/usr/bin:/bin")
        return env


def _synthetic(nodeid: str, check: str | None, outcome: str, message: str) -> dict:
    return {"nodeid": nodeid, "check": check, "outcome": outcome, "message": message,
            "red_flags": [], "output": ""}


def _parse(line: bytes) -> dict:
    try:
        event = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with status {code}"

