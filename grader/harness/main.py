"""Entry point of the grading child: `python -I -m grader.harness.main CONFIG.json`.

Imports the candidate's file once (reporting syntax and import errors precisely), then
runs the hidden graders with pytest and our plugin. Every outcome goes out as an event;
the parent decides what it means.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import linecache
import platform
import sys
import traceback

from grader.harness.events import CappedText, EventWriter
from grader.harness.hints import crash_hint
from grader.harness.timeouts import CheckTimeout as CheckTimeoutError

IMPORT_OUTPUT_LIMIT = 4000


def main(config_path: str) -> int:
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    sys.dont_write_bytecode = True
    from grader.harness.orphan import die_with_parent

    die_with_parent(config.get("parent"))
    _limit_self(config)
    writer = EventWriter(config["results"])
    host = None
    if config.get("host"):
        # Started before our own imports, so the two processes import torch side by side.
        from grader.harness.remote import Host

        spec = config["host"]
        host = Host(spec["command"], spec["env"], spec["cwd"], {
            key: config.get(key) for key in ("candidate", "module_name", "display_name", "entrypoints",
                                              "adopt")})
        host.start()
    try:
        return _run(config, writer, host)
    finally:
        if host is not None:
            host.kill()


def _limit_self(config: dict) -> None:
    """Memory cap and priority, set by the child itself before any candidate code runs."""
    import os
    import resource

    if config.get("nice"):
        os.nice(int(config["nice"]))
    memory = config.get("memory_bytes")
    for name, value in (("RLIMIT_AS", memory), ("RLIMIT_CORE", 0)):
        if isinstance(value, int):
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass


def _run(config: dict, writer: EventWriter, host) -> int:
    import torch  # imported here, not by the CLI: only the grading process pays for it

    torch.set_num_threads(1)
    writer.emit("hello", python=platform.python_version(), torch=torch.__version__)
    from grader.harness import torch_state

    baseline = torch_state.snapshot()  # before the candidate's module-level code runs

    module = load_candidate(config, writer) if host is None else _load_apart(config, writer, host)
    if module is None:
        return 0

    import pytest

    from grader.harness.plugin import GradingPlugin

    only = config.get("only_checks")
    plugin = GradingPlugin(writer, module, config["candidate"], config["display_name"],
                           config.get("seeds") or [0], set(config.get("skip", [])),
                           set(only) if only is not None else None,
                           config["check_seconds"], config.get("per_check", {}),
                           set(config.get("crashed_checks", [])),
                           config.get("check_order", []), bool(config.get("demos")),
                           torch_baseline=baseline, host=host)
    # Plain asserts: our graders write their own messages, and skipping the rewrite (and
    # plugins grading never uses) shaves start-up time off every grading.
    args = [config["graders"], "-q", "--assert=plain", "-p", "no:cacheprovider",
            "-p", "no:stepwise", "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin",
            "-p", "no:legacypath", "-p", "no:nose",
            "--import-mode=importlib", "--rootdir", config["rootdir"], "-c", config["ini"],
            "--no-header", "-rN", "--tb=no"]
    pytest.main(args, plugins=[plugin])
    writer.emit("done")
    return 0


def _load_apart(config: dict, writer: EventWriter, host):
    """Import the candidate's file in its own process; pass on what it reported."""
    from grader.harness.remote import (CandidateError, CandidateProcessEnded,
                                       RemoteCandidate)

    try:
        events = host.load()
    except CandidateProcessEnded:
        writer.emit("load_crash", message=f"the candidate's process {host.exit_description()} "
                                          f"while importing {config['display_name']}",
                    output=host.stderr_text())
        return None
    except (CandidateError, CheckTimeoutError) as exc:
        writer.emit("load_error", kind="import", message=f"importing {config['display_name']} "
                                                         f"did not finish: {exc}")
        return None
    for event in events:
        kind = event.get("event")
        if kind in ("load_error", "loaded"):
            fields = {k: v for k, v in event.items() if k != "event"}
            writer.emit(kind, **_bounded(fields))
            if kind == "load_error":
                return None
    if host.module_ref is None:
        writer.emit("load_error", kind="import", message=f"{config['display_name']} could not "
                                                         "be imported")
        return None
    with open(config["candidate"], encoding="utf-8", errors="replace") as handle:
        source = handle.read()
    return RemoteCandidate(host, config["candidate"], config["module_name"], source)


def _bounded(fields: dict) -> dict:
    """The host's load report, kept to the fields and sizes the parent expects."""
    out = {}
    for key in ("kind", "message", "line", "code", "caret", "output", "hint"):
        value = fields.get(key)
        if isinstance(value, str):
            out[key] = value[:5000]
        elif isinstance(value, int) and not isinstance(value, bool):
            out[key] = value
    where = fields.get("where")
    if isinstance(where, dict) and isinstance(where.get("line"), int):
        out["where"] = {"line": where["line"], "code": str(where.get("code", ""))[:300]}
    return out


def load_candidate(config: dict, writer: EventWriter):
    path, name, shown = config["candidate"], config["module_name"], config["display_name"]
    with open(path, "rb") as handle:
        raw = handle.read()
    if not raw.strip():
        writer.emit("load_error", kind="empty",
                    message=f"{shown} is empty: there is nothing to grade yet.")
        return None

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    captured = CappedText(IMPORT_OUTPUT_LIMIT)
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            spec.loader.exec_module(module)
    except SyntaxError as exc:
        code = (exc.text or "").rstrip("\n")
        caret = " " * max((exc.offset or 1) - 1, 0) + "^" if code else ""
        writer.emit("load_error", kind="syntax", line=exc.lineno, code=code, caret=caret,
                    message=f"{shown} has a syntax error on line {exc.lineno}: {exc.msg}",
                    output=captured.getvalue())
        return None
    except SystemExit as exc:
        writer.emit("load_error", kind="exit", output=captured.getvalue(),
                    message=f"{shown} called sys.exit({exc.code!r}) while being imported; "
                            "module-level code must not end the process.")
        return None
    except BaseException as exc:  # the candidate's code may raise anything at all
        where = _candidate_line(exc, path)
        message = f"importing {shown} failed: {type(exc).__name__}: {exc}"
        if where:
            message += f" (line {where['line']}: {where['code']})"
        hint = crash_hint(exc)
        if isinstance(exc, ModuleNotFoundError):
            hint = (f"The module '{exc.name}' is not available while grading; the graders "
                    "provide torch, numpy and the standard library.")
        writer.emit("load_error", kind="import", message=message, where=where, hint=hint,
                    output=captured.getvalue())
        return None

    missing = [n for n in config.get("entrypoints", []) if not hasattr(module, n)]
    if missing:
        writer.emit("load_error", kind="missing", output=captured.getvalue(),
                    message=f"{shown} does not define {', '.join(missing)}, which the "
                            "graders need. Keep the names from the stub.")
        return None
    writer.emit("loaded", output=captured.getvalue())
    return module


def _candidate_line(exc: BaseException, path: str) -> dict | None:
    found = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            found = lineno
    if found is None:
        return None
    return {"line": found, "code": linecache.getline(path, found).strip()}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
