"""The pytest plugin object the child passes to pytest.main: fixtures for the graders and
one JSON event per test on the results channel."""

from __future__ import annotations

import linecache
import signal
import time
import traceback

import pytest

from grader.harness import api
from grader.harness.events import EventWriter, cap_text
from grader.harness.hints import crash_hint
from grader.harness.timeouts import CheckTimeout

OUTPUT_LIMIT = 2000
HANG_STREAK = 2          # after this many checks have hung...
HANG_STREAK_SECONDS = 1
CRASH_STREAK = 3  # the candidate's process ended this many checks in a row: stop trying  # ...the rest get this long, so one endless loop costs seconds, not minutes


class GradingPlugin:
    def __init__(self, writer: EventWriter, module, candidate_path: str, display_name: str,
                 seeds: list[int], skip: set[str], only: set[str] | None = None,
                 check_seconds: float = 20.0, per_check: dict | None = None,
                 crashed_checks: set[str] | None = None, check_order: list[str] | None = None,
                 demos: bool = False, torch_baseline=None, host=None):
        self.host = host  # the candidate's own process, when it runs apart from the graders
        self.crash_streak = 0
        self.demos = demos
        self.torch_baseline = torch_baseline
        self.check_order = {check: index for index, check in enumerate(check_order or [])}
        self.only = only
        self.crashed_checks = crashed_checks or set()
        self.check_seconds = check_seconds
        self.per_check = per_check or {}
        self.hung_checks: set[str] = set()
        self.writer = writer
        self.module = module
        self.candidate_path = candidate_path
        self.display_name = display_name
        self.seeds = seeds
        self.skip = skip
        self.records: dict[str, dict] = {}

    def pytest_configure(self, config):
        config.addinivalue_line("markers", f"{api.CHECK_MARKER}(id): the manifest check a test belongs to")
        config.addinivalue_line("markers", f"{api.DEMO_MARKER}(name): an unscored demo for the plots")

    # --- fixtures the graders ask for -------------------------------------------------

    @pytest.fixture
    def candidate(self):
        return self.module

    def pytest_generate_tests(self, metafunc):
        # Statistical graders take a `seed`; grading uses one, the flake proof many.
        if "seed" in metafunc.fixturenames:
            metafunc.parametrize("seed", self.seeds)

    # --- collection -------------------------------------------------------------------

    def pytest_collection_modifyitems(self, session, config, items):
        kept, dropped = [], []
        for item in items:
            # a run is either the checks or the demos, never both
            unwanted = (item.get_closest_marker(api.DEMO_MARKER) is not None) != self.demos
            unwanted = unwanted or (self.only is not None and self._check_id(item) not in self.only)
            (dropped if item.nodeid in self.skip or unwanted else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        # Run in the manifest's order: cheap checks first, slow ones (a training run) last.
        last = len(self.check_order)
        kept.sort(key=lambda item: self.check_order.get(self._check_id(item), last))
        items[:] = kept
        self.writer.emit("collected", tests=[
            {"nodeid": item.nodeid, "check": self._check_id(item)} for item in items])

    @staticmethod
    def _check_id(item) -> str | None:
        marker = item.get_closest_marker(api.CHECK_MARKER)
        return str(marker.args[0]) if marker and marker.args else None

    # --- running ----------------------------------------------------------------------

    def pytest_runtest_logstart(self, nodeid, location):
        api.take_flags()  # nothing from a previous test may leak into this one
        api.take_records()
        self.records[nodeid] = {"nodeid": nodeid, "outcome": "passed", "message": "",
                                "started": time.monotonic()}
        self.writer.emit("start", nodeid=nodeid)

    @pytest.hookimpl(tryfirst=True)  # before the graders' fixtures run
    def pytest_runtest_setup(self, item):
        if self.torch_baseline is not None:
            from grader.harness import torch_state

            torch_state.restore(self.torch_baseline)
        check = self._check_id(item)
        if self.crash_streak >= CRASH_STREAK:
            self.records[item.nodeid]["hung"] = "not-run"
            pytest.skip(f"not run: the candidate's process ended {self.crash_streak} times in a "
                        "row, so the remaining checks were abandoned")
        if check in self.hung_checks:
            self.records[item.nodeid]["hung"] = "timeout"
            pytest.skip("not run: an earlier case of this check did not finish in time")
        if check in self.crashed_checks:
            self.records[item.nodeid]["hung"] = "crashed"
            pytest.skip("not run: an earlier case of this check ended the grading process")
        if self.host is not None:
            from grader.harness import remote

            self.host.reset()
            limit = self._limit(check)
            remote.set_deadline(time.monotonic() + limit, limit)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        limit = self._limit(self._check_id(item))

        def on_alarm(signum, frame):
            raise CheckTimeout(limit)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _limit(self, check: str | None) -> float:
        limit = float(self.per_check.get(check) or self.check_seconds)
        if len(self.hung_checks) >= HANG_STREAK:
            limit = min(limit, HANG_STREAK_SECONDS)
        return limit

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        record = self.records.setdefault(item.nodeid, {"nodeid": item.nodeid,
                                                       "outcome": "passed", "message": ""})
        record["check"] = self._check_id(item)
        if report.failed and record["outcome"] == "passed":
            record["outcome"] = "failed" if call.when == "call" else "error"
            record.update(self._describe(call.excinfo))
            if call.excinfo is not None and isinstance(call.excinfo.value, CheckTimeout):
                record["outcome"] = "timeout"
                if record["check"]:
                    self.hung_checks.add(record["check"])
            if call.excinfo is not None and _ended(call.excinfo.value):
                record["outcome"] = "crashed"
                self.crash_streak += 1
                if record["check"]:
                    self.crashed_checks.add(record["check"])
        if call.when == "call" and not (call.excinfo is not None and _ended(call.excinfo.value)):
            self.crash_streak = 0
        elif report.skipped and call.when in ("setup", "call"):
            record["outcome"] = record.get("hung") or "skipped"
            record["message"] = _skip_reason(report)
        if call.when == "call" or (call.when == "setup" and report.failed):
            out = (report.capstdout or "") + (report.capstderr or "")
            record["output"] = cap_text(out, OUTPUT_LIMIT)
        return report

    def pytest_runtest_logfinish(self, nodeid, location):
        record = self.records.pop(nodeid, {"nodeid": nodeid, "outcome": "error",
                                           "message": "no report"})
        record.pop("hung", None)
        if self.host is not None:
            from grader.harness import remote

            remote.set_deadline(None)
        record["red_flags"] = api.take_flags()
        record["artifacts"] = api.take_records()
        record["duration"] = round(time.monotonic() - record.pop("started", time.monotonic()), 4)
        self.writer.emit("result", **record)

    # --- turning an exception into a one-line reason ----------------------------------

    def _describe(self, excinfo) -> dict:
        if excinfo is None:
            return {"message": "failed"}
        exc = excinfo.value
        where = getattr(exc, "where", None) or self._candidate_frame(excinfo.tb)
        if _ended(exc):
            return {"message": str(exc), "where": None}
        if type(exc).__name__ == "CandidateError":
            message = str(exc)
            if where:
                message += f" ({self.display_name} line {where['line']})"
            detail = {"message": message, "where": where, "exception": exc.type_name}
            if exc.hint:
                detail["hint"] = exc.hint
            return detail
        if isinstance(exc, CheckTimeout):
            message = (f"did not finish within {exc.args[0]:g}s and was stopped "
                       "(an endless loop, or very slow code?)")
            if where:
                message += f"; it was running {self.display_name} line {where['line']}"
            return {"message": message, "where": where}
        if isinstance(exc, AssertionError):
            # Our graders' assertion messages are written for the candidate; pytest's
            # introspection detail after them is for us.
            text = str(exc).split("\nassert ")[0].strip() or "assertion failed"
            return {"message": text, "where": where}
        message = f"{type(exc).__name__}: {_first_lines(str(exc))}"
        if where:
            message += f" ({self.display_name} line {where['line']})"
        detail = {"message": message, "where": where, "exception": type(exc).__name__}
        hint = crash_hint(exc)
        if hint:
            detail["hint"] = hint
        return detail

    def _candidate_frame(self, tb) -> dict | None:
        found = None
        for frame, lineno in traceback.walk_tb(tb):
            if frame.f_code.co_filename == self.candidate_path:
                found = lineno
        if found is None:
            return None
        code = linecache.getline(self.candidate_path, found).strip()
        return {"line": found, "code": code}


def _ended(exc: BaseException) -> bool:
    return type(exc).__name__ == "CandidateProcessEnded"


def _first_lines(text: str, limit: int = 300) -> str:
    text = " ".join(text.strip().splitlines()[:3])
    return text if len(text) <= limit else text[:limit] + "..."


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "skipped"
