"""What a hidden grader file uses: declare its check, raise red flags, inspect the source.

    from grader.harness.api import check, red_flag

    @check("eval-identity")
    def test_eval_is_identity(candidate):
        ...
        if looks_scaled:
            red_flag("test-time-scaling", "eval output is 0.7 x the input at p=0.3",
                     line=source_line(candidate, "forward"))
        assert ...

The check's title and points live in the drill's manifest (one source of truth); the
marker only names the check, and the dev check proves manifest and graders agree.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import pytest

CHECK_MARKER = "drill_check"
DEMO_MARKER = "drill_demo"


@dataclass
class FlagRaised:
    id: str
    evidence: str
    line: int | None = None


_raised: list[FlagRaised] = []
_recorded: dict[str, object] = {}


def check(check_id: str):
    """Mark a grader test as (part of) the manifest's check `check_id`."""
    return getattr(pytest.mark, CHECK_MARKER)(check_id)


def red_flag(flag_id: str, evidence: str, line: int | None = None) -> None:
    """Record a named red-flag mistake with its evidence; the check it occurs in fails."""
    if not any(f.id == flag_id and f.evidence == evidence for f in _raised):
        _raised.append(FlagRaised(flag_id, evidence, line))


def take_flags() -> list[dict]:
    out = [asdict(f) for f in _raised]
    _raised.clear()
    return out


def demo(name: str):
    """Mark a grader test as an unscored demo: it runs beside the checks, for the plots."""
    return getattr(pytest.mark, DEMO_MARKER)(name)


def record(name: str, value) -> None:
    """Keep JSON-able data (numbers, lists) for the report's plots."""
    _recorded[name] = value


def take_records() -> dict:
    out = dict(_recorded)
    _recorded.clear()
    return out


CHANNEL_CAP_SECONDS = 0.005


def channel_seconds(layer, *args, repeats: int = 5) -> float:
    """The best time to carry these arguments to the candidate's process and back (0 when
    it runs in this one): a timing check subtracts it, so it times the candidate's code.
    The other process could slow its own echo down to hide a slow layer, so what is
    subtracted is capped (a 256 kB round trip takes well under a millisecond)."""
    host = getattr(layer, "_host", None)
    if not getattr(layer, "_drill_remote", False) or host is None:
        return 0.0
    import time

    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        host.echo(args)
        best = min(best, time.perf_counter() - began)
    return min(best, CHANNEL_CAP_SECONDS)


@contextmanager
def torch_calls(pattern: str):
    """The names of torch functions called inside the block whose name contains
    `pattern` (case-insensitive), however the candidate imported or aliased them. When
    the candidate runs apart, its own process reports them (trusted as evidence: pair it
    with a source-level check)."""
    from grader.harness import remote
    from grader.harness.spy import TorchSpy

    seen: list[str] = []
    remote.watch(pattern, seen)
    try:
        with TorchSpy([pattern], seen):
            yield seen
    finally:
        remote.unwatch(seen)


def type_of(obj):
    """type(obj), also for a layer living in the candidate's process: there type() is the
    stand-in's class, so `type_of(layer) is candidate.InvertedDropout` is the test."""
    if getattr(obj, "_drill_remote", False):
        made = getattr(obj, "_class", None)
        if made is not None:
            return made
    return type(obj)


def raised(exc: BaseException, kind: str) -> bool:
    """isinstance(exc, <the builtin exception class `kind`>), also for an exception raised
    in the candidate's process (which arrives as a CandidateError naming its classes)."""
    kinds = getattr(exc, "kinds", None)
    if getattr(exc, "type_name", None) is not None and isinstance(kinds, list):
        return kind in kinds
    cls = getattr(builtins, kind, None)
    return isinstance(cls, type) and isinstance(exc, cls)


def error_name(exc: BaseException) -> str:
    return getattr(exc, "type_name", None) or type(exc).__name__


def type_name(obj) -> str:
    """type(obj).__name__, also for a layer living in the candidate's process."""
    if getattr(obj, "_drill_remote", False) and isinstance(getattr(obj, "_type", None), str):
        return obj._type.rsplit(".", 1)[-1] or "object"
    return type(obj).__name__


def function_line(module, name: str) -> int | None:
    """Where the candidate's file defines the top-level function `name`."""
    parsed = source_tree(module)
    if parsed is None:
        return None
    for node in parsed[0].body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node.lineno
    return None


# --- the candidate's source, for evidence lines -------------------------------------

def source_text(module) -> str | None:
    """The candidate's source: read by the graders themselves when the module lives in
    another process (its own claims about its source are never asked for)."""
    text = getattr(module, "__source__", None)
    if isinstance(text, str):
        return text
    try:
        return inspect.getsource(module)
    except (OSError, TypeError):
        return None


def source_tree(module) -> tuple[ast.Module, list[str]] | None:
    text = source_text(module)
    if text is None:
        return None
    try:
        return ast.parse(text), text.splitlines()
    except SyntaxError:
        return None


def function_node(module, class_name: str, method: str) -> ast.FunctionDef | None:
    parsed = source_tree(module)
    if parsed is None:
        return None
    for node in ast.walk(parsed[0]):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == method:
                    return item
    return None


def first_line(module, predicate, within: ast.AST | None = None) -> int | None:
    """The first source line (1-based) of a node for which predicate(node) is true."""
    root = within
    if root is None:
        parsed = source_tree(module)
        if parsed is None:
            return None
        root = parsed[0]
    hits = sorted(n.lineno for n in ast.walk(root) if hasattr(n, "lineno") and predicate(n))
    return hits[0] if hits else None


def method_line(module, class_name: str, method: str) -> int | None:
    node = function_node(module, class_name, method)
    return node.lineno if node else None


def traced_call(module, fn, *args):
    """Call fn(*args) and also return the last line of the candidate's file that ran:
    for a layer's forward, the line that produced the output (the evidence line). In a
    separate process the candidate's process traces itself: the line is evidence only,
    never part of a verdict."""
    if getattr(fn, "_drill_remote", False):
        return fn._traced_call(*args)
    path = getattr(module, "__file__", None)
    lines: list[int] = []

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != path:
            return None  # only the candidate's own frames are traced line by line
        if event == "line":
            lines.append(frame.f_lineno)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = fn(*args)
    finally:
        sys.settrace(previous)
    return result, (lines[-1] if lines else None)
