"""Behaviour of the fixed script: evaluation, prediction, MC dropout and training, each
judged by what the model's layers actually did, never by the source."""

import pytest
import torch

from grader.harness.api import check, function_line, red_flag
from support import (bn_change, bn_state, changed_modes, changed_settings, data,
                     deterministic_logits, of_type, put_in, reference_mc,
                     reference_model, settings, spy)

STARTS = ["train", "eval"]  # every inference path is tried from both of the caller's modes
INFERENCE = ["evaluate", "predict", "predict_with_uncertainty"]
DROPOUT = torch.nn.modules.dropout._DropoutNd


@check("architecture")
def test_the_architecture_is_unchanged(candidate):
    model = candidate.build_model()
    dropouts = [m for m in of_type(model, DROPOUT) if m.p > 0]
    if not dropouts:
        red_flag("removed-dropout", "build_model() has no dropout layer with p > 0 any more: "
                 "removing dropout hides the eval-mode bugs instead of fixing them",
                 line=_line(candidate, "build_model"))
    want = reference_model()
    assert repr(model) == repr(want), (
        "build_model() should give the handed-out model unchanged; it gives "
        + " ".join(repr(model).split()) + " instead of " + " ".join(repr(want).split()))


def _line(candidate, function):
    return function_line(candidate, function)


def _flag_training_layers(candidate, function, seen):
    """forgot-eval, naming the layers that really ran in training mode."""
    names = [label for kind, label in (("dropout", "the dropout layer"), ("batchnorm", "batch norm"))
             if any(seen[kind])]
    if names:
        red_flag("forgot-eval", f"{function}() ran {' and '.join(names)} in training mode: the "
                 "model was not (fully) switched to eval mode", line=_line(candidate, function))


def _flag_graph(candidate, function, seen):
    if any(seen["graph"]):
        red_flag("grad-in-eval", f"{function}() built an autograd graph during its forward "
                 "pass: no torch.no_grad() around an inference pass, so each call keeps a graph "
                 "it never uses", line=_line(candidate, function))


def _flag_stats(candidate, function, before, model):
    change = bn_change(before, bn_state(model))
    if change:
        red_flag("bn-stats-leak", f"during {function}(), {change}", line=_line(candidate, function))
    return change


def _flag_modes(candidate, function, start, before, model):
    changed = changed_modes(model, before)
    if changed:
        red_flag("mode-not-restored", f"{function}() was given a model in {start} mode and "
                 f"handed it back changed: {', '.join(changed)}", line=_line(candidate, function))
    return changed


@check("evaluate-deterministic")
def test_evaluate_is_the_deterministic_network(candidate, trained):
    inputs, _ = data(64, seed=8)
    want = deterministic_logits(trained, inputs)
    with spy(trained) as seen:
        first = candidate.evaluate(trained, inputs)
    trained.train()
    second = candidate.evaluate(trained, inputs)
    _flag_training_layers(candidate, "evaluate", seen)
    assert torch.allclose(first.detach(), second.detach()), "two evaluate() calls on the same inputs differ"
    assert torch.allclose(first.detach(), want, atol=1e-5), (
        "evaluate() does not return the eval-mode network's logits (largest difference "
        f"{float((first.detach() - want).abs().max()):.4f})")


@check("evaluate-bn-stats")
def test_evaluate_leaves_batchnorm_statistics_alone(candidate, trained):
    before = bn_state(trained)
    candidate.evaluate(trained, data(64, seed=9)[0])
    change = _flag_stats(candidate, "evaluate", before, trained)
    assert not change, f"evaluate() changed batch norm's buffers: {change}"


@check("evaluate-no-graph")
def test_evaluate_builds_no_autograd_graph(candidate, trained):
    with spy(trained) as seen:
        out = candidate.evaluate(trained, data(32, seed=10)[0])
    attached = out.requires_grad or out.grad_fn is not None
    if attached or any(seen["graph"]):
        red_flag("grad-in-eval", "evaluate() built an autograd graph during its forward pass "
                 + ("and returned a tensor attached to it" if attached else
                    "(the result was detached afterwards, but the graph had already been built)")
                 + ": no torch.no_grad() around the evaluation", line=_line(candidate, "evaluate"))
        raise AssertionError("evaluate() built an autograd graph")


@check("evaluate-restores-mode")
@pytest.mark.parametrize("start", STARTS)
def test_evaluate_restores_the_mode(candidate, trained, start):
    before, config = put_in(trained, start), settings(trained)
    candidate.evaluate(trained, data(16, seed=11)[0])
    changed = _flag_modes(candidate, "evaluate", start, before, trained)
    assert not changed, f"evaluate() did not restore {start} mode: {', '.join(changed)}"
    altered = changed_settings(trained, config)
    assert not altered, f"evaluate() changed the model's layers: {', '.join(altered)}"


@check("predict")
@pytest.mark.parametrize("start", STARTS)
def test_predict_is_deterministic_and_leaves_the_model_alone(candidate, trained, start):
    inputs, _ = data(64, seed=12)
    want = deterministic_logits(trained, inputs).argmax(dim=1)
    before, state, config = put_in(trained, start), bn_state(trained), settings(trained)
    with spy(trained) as seen:
        first = candidate.predict(trained, inputs)
    _flag_training_layers(candidate, "predict", seen)
    change = _flag_stats(candidate, "predict", state, trained)
    _flag_graph(candidate, "predict", seen)
    changed = _flag_modes(candidate, "predict", start, before, trained)
    assert not any(seen["graph"]), "predict() built an autograd graph"
    assert not changed, f"predict() changed the mode of a model in {start} mode: {', '.join(changed)}"
    assert not change, f"predict() changed batch norm's buffers: {change}"
    altered = changed_settings(trained, config)
    assert not altered, f"predict() changed the model's layers: {', '.join(altered)}"
    put_in(trained, start)
    second = candidate.predict(trained, inputs)
    assert torch.equal(first, second) and torch.equal(first, want), (
        "predict() should give the eval-mode network's classes, the same every call")


SAMPLES = 7  # not the default: a function that ignores `samples` shows it


@check("mc-dropout")
@pytest.mark.parametrize("start", STARTS)
def test_mc_dropout_keeps_dropout_on_and_batchnorm_frozen(candidate, trained, start):
    inputs, _ = data(32, seed=13)
    want_mean, want_spread = reference_mc(trained, inputs)
    before, state, config = put_in(trained, start), bn_state(trained), settings(trained)
    function = "predict_with_uncertainty"
    with spy(trained) as seen:
        mean, spread = candidate.predict_with_uncertainty(trained, inputs, SAMPLES)
    has_dropout = any(m.p > 0 for m in of_type(trained, DROPOUT))
    assert has_dropout, "the model has no dropout left to sample from"
    # judged by behaviour: the passes differ (dropout sampled, by its module or functionally)
    # and batch norm never ran on batch statistics
    sampled = bool(torch.as_tensor(spread).abs().max() > 0)
    bn_frozen = not any(seen["batchnorm"])
    off_passes = sum(not on for on in seen["dropout"]) if any(seen["dropout"]) else 0
    if not (sampled and bn_frozen) or off_passes:
        dropout = ("every pass was the same (dropout off)" if not sampled else
                   f"the dropout layer was off in {off_passes} of {len(seen['dropout'])} passes"
                   if off_passes else "the passes differed")
        red_flag("mc-dropout-wrong-modes",
                 f"during MC dropout {dropout} and batch norm ran in "
                 f"{'eval' if bn_frozen else 'training'} mode; MC dropout needs dropout sampling "
                 "in every pass and batch norm on its running statistics",
                 line=_line(candidate, function))
    change = _flag_stats(candidate, function, state, trained)
    _flag_graph(candidate, function, seen)
    changed = _flag_modes(candidate, function, start, before, trained)
    assert sampled and bn_frozen and not off_passes, "MC dropout ran with the wrong layer modes"
    assert not change, f"batch norm's buffers changed: {change}"
    assert not changed, f"the modes of a model in {start} mode were not restored: {', '.join(changed)}"
    altered = changed_settings(trained, config)
    assert not altered, f"MC dropout changed the model's layers: {', '.join(altered)}"
    assert not any(seen["graph"]), "MC dropout built an autograd graph on every pass"
    rows = sum(seen["dropout_rows"])  # what the dropout module sampled (0: done functionally)
    assert not rows or rows == SAMPLES * len(inputs), (
        f"asked for {SAMPLES} passes over {len(inputs)} inputs, the dropout layer saw {rows} "
        f"rows ({rows / len(inputs):g} passes): use the `samples` argument")
    assert mean.shape == spread.shape == (32, 3), (
        f"expected a (32, 3) mean and spread for 32 inputs and 3 classes, got "
        f"{tuple(mean.shape)} and {tuple(spread.shape)}: average over the passes (dim 0)")
    assert torch.allclose(mean.sum(dim=1), torch.ones(32), atol=1e-4), "mean probabilities should sum to 1"
    gap = float((mean - want_mean).abs().mean())
    assert gap < 0.05, (
        f"the mean probabilities are {gap:.3f} away on average from MC dropout's own (done by "
        "the grader with many passes): average the softmax probabilities of the passes")
    ratio = float(spread.mean() / want_spread.mean())
    assert 0.6 <= ratio <= 1.6, (
        f"the spread is {ratio:.2f} times the standard deviation of the class probabilities "
        "across passes: report their standard deviation (not the variance, nor the logits')")


def _call(candidate, function, model, inputs):
    return getattr(candidate, function)(model, inputs)


@check("training-after-eval")
@pytest.mark.parametrize("function", [None] + INFERENCE)
def test_training_has_dropout_on_after_evaluation(candidate, trained, function):
    inputs, targets = data(64, seed=14)
    optimizer = torch.optim.SGD(trained.parameters(), lr=0.01)
    if function:
        _call(candidate, function, trained, inputs[:8])
    torch.set_grad_enabled(True)  # autograd left off is global-state's business, not this check's
    with spy(trained) as seen:
        candidate.train_step(trained, optimizer, inputs, targets)
    after = f"after {function}()," if function else "on a model in training mode,"
    assert all(seen["dropout"]), f"{after} the training step ran with dropout off"
    assert seen["batchnorm"] and all(seen["batchnorm"]), (
        f"{after} the training step ran batch norm in eval mode")


@check("global-state")
@pytest.mark.parametrize("function", INFERENCE)
@pytest.mark.parametrize("caller", ["autograd on", "inside torch.no_grad()"])
def test_autograd_is_left_as_the_caller_had_it(candidate, trained, function, caller):
    dtype = torch.get_default_dtype()
    with torch.set_grad_enabled(caller == "autograd on"):
        _call(candidate, function, trained, data(8, seed=15)[0])
        left = torch.is_grad_enabled()
    assert left == (caller == "autograd on"), (
        f"after {function}() autograd stays {'off' if not left else 'on'} for everything the "
        f"caller runs next ({caller}): torch.set_grad_enabled() was called as a statement; use "
        "torch.no_grad() (or set_grad_enabled) as a context manager")
    assert not torch.is_inference_mode_enabled(), (
        f"after {function}() inference mode stays on: use torch.inference_mode() in a with block")
    assert torch.get_default_dtype() == dtype, f"{function}() changed torch's default dtype"
