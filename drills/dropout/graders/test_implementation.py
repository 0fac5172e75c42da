"""The layer is written by hand (no library dropout) and vectorised (no element loop)."""

import ast
import time

import torch

from grader.harness.api import (channel_seconds, check, first_line, function_node, red_flag,
                                source_text, torch_calls)


def _library_line(module):
    parsed = ast.parse(source_text(module) or "")
    own_classes = {n.name for n in ast.walk(parsed) if isinstance(n, ast.ClassDef)}

    def mentions_dropout(node):
        if isinstance(node, ast.Attribute):
            return "dropout" in node.attr.lower()
        if isinstance(node, ast.Name):
            return "dropout" in node.id.lower() and node.id not in own_classes
        if isinstance(node, ast.alias):
            return "dropout" in node.name.lower()
        return False

    return first_line(module, mentions_dropout, within=parsed)


LIBRARY = {"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout", "native_dropout", "Dropout", "Dropout1d", "Dropout2d",
           "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"}


def _named_library_call(module):
    """A call of torch's dropout by name in the source (outside a __main__ block): seen
    from outside the candidate's process, so hiding from the spy does not hide this."""
    try:
        parsed = ast.parse(source_text(module) or "")
    except SyntaxError:
        return None
    own = {n.name for n in ast.walk(parsed) if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    skip = set()
    for node in parsed.body:  # an `if __name__ == "__main__":` self-test is not the layer
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    for node in ast.walk(parsed):
        if not isinstance(node, ast.Call) or id(node) in skip:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in LIBRARY and not (isinstance(func, ast.Name) and name in own):
            return node.lineno, ast.unparse(func)
    return None


@check("own-implementation")
def test_does_not_call_library_dropout(candidate, make):
    x = torch.randn(256)
    with torch_calls("dropout") as calls:
        for train in (True, False):
            make(0.3, train=train)(x)
    named = _named_library_call(candidate)
    if calls:
        line = _library_line(candidate)
        red_flag("library-call", f"forward() called {', '.join(sorted(set(calls)))}", line=line)
    elif named:
        red_flag("library-call", f"the layer calls {named[1]}(...), PyTorch's own dropout",
                 line=named[0])
    assert not calls and not named, "PyTorch's dropout was called: the exercise is to implement it"


def _loop_line(module):
    loops = (ast.For, ast.While, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)
    node = function_node(module, "Dropout", "forward")
    if node is not None:
        line = first_line(module, lambda n: isinstance(n, loops), within=node)
        if line:
            return line
    return first_line(module, lambda n: isinstance(n, loops))


@check("vectorised")
def test_speed_is_close_to_pytorch(make, candidate, best_time):
    layer = make(0.5)
    x = torch.randn(1 << 16)
    reference = best_time(lambda: torch.nn.functional.dropout(x, 0.5, True))
    # the candidate's layer runs in another process: the channel's own cost is not its
    channel = channel_seconds(layer, x)
    began = time.perf_counter()
    layer(x)
    single = time.perf_counter() - began - channel
    # One call slower than half a second on 65k elements is already conclusive.
    mine = single if single > 0.5 else max(best_time(lambda: layer(x)) - channel, 0.0)
    ratio = mine / max(reference, 1e-7)
    limit = 40.0
    if ratio > limit:
        line = _loop_line(candidate)
        if line:
            red_flag("python-loop",
                     f"forward() took {mine * 1e3:.1f} ms on 65,536 elements, {ratio:.0f}x "
                     "PyTorch's own dropout, and loops in Python", line=line)
    assert ratio <= limit, (
        f"forward() took {mine * 1e3:.2f} ms on 65,536 elements, {ratio:.0f}x PyTorch's own "
        f"dropout (allowed: {limit:.0f}x)")
