"""Behaviour of the fixed script: evaluation, prediction, MC dropout and training, each
judged by what the model's layers actually did, never by the source."""

import pytest
import torch
from torch import nn

from grader.harness.api import check, red_flag
from support import (bn_state, data, deterministic_logits, line_of, mode_name, modes, of_type,
                     put_in, same_state, spy)

STARTS = ["train", "eval"]  # every inference path is tried from both of the caller's modes
INFERENCE = ["evaluate", "predict", "predict_with_uncertainty"]

EXPECTED_LAYERS = [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout, nn.Linear]


@check("architecture")
def test_the_architecture_is_unchanged(candidate):
    model = candidate.build_model()
    dropouts = [m for m in of_type(model, nn.modules.dropout._DropoutNd) if m.p > 0]
    if not dropouts:
        red_flag("removed-dropout", "build_model() has no dropout layer with p > 0 any more: "
                 "removing dropout hides the eval-mode bugs instead of fixing them",
                 line=line_of(candidate.build_model))
    layers = [type(m) for m in model.children()]
    assert dropouts and layers == EXPECTED_LAYERS, (
        "build_model() should keep its layers (Linear, BatchNorm1d, ReLU, Dropout, Linear); "
        f"it has {', '.join(t.__name__ for t in layers)}")


def _flag_training_layers(candidate, function, seen):
    """forgot-eval, naming the layers that really ran in training mode."""
    layers = [kind for kind, label in (("dropout", "the dropout layer"),
                                       ("batchnorm", "batch norm")) if any(seen[kind])]
    if layers:
        names = " and ".join(label for kind, label in (("dropout", "the dropout layer"),
                                                        ("batchnorm", "batch norm")) if kind in layers)
        red_flag("forgot-eval", f"{function}() ran {names} in training mode: the model was "
                 "not (fully) switched to eval mode", line=line_of(getattr(candidate, function)))


def _flag_graph(candidate, function, seen):
    if any(seen["grad"]):
        red_flag("grad-in-eval", f"{function}() ran the model with autograd recording: no "
                 "torch.no_grad() around an inference pass, so each call builds a graph it "
                 "never uses", line=line_of(getattr(candidate, function)))


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
    if not same_state(before, bn_state(trained)):
        red_flag("bn-stats-leak", "evaluate() updated the batch-norm running statistics with "
                 "the evaluation batch: batch norm ran in training mode",
                 line=line_of(candidate.evaluate))
        raise AssertionError("evaluate() changed the batch-norm running statistics")


@check("evaluate-no-graph")
def test_evaluate_builds_no_autograd_graph(candidate, trained):
    with spy(trained) as seen:
        out = candidate.evaluate(trained, data(32, seed=10)[0])
    attached = out.requires_grad or out.grad_fn is not None
    if attached or any(seen["grad"]):
        red_flag("grad-in-eval", "evaluate() ran the model with autograd recording "
                 + ("and returned a tensor attached to the graph" if attached else
                    "(the result was detached afterwards, but the graph had already been "
                    "built during the forward pass)")
                 + ": no torch.no_grad() around the evaluation", line=line_of(candidate.evaluate))
        raise AssertionError("evaluate() built an autograd graph")


@check("evaluate-restores-mode")
@pytest.mark.parametrize("start", ["train", "eval"])
def test_evaluate_restores_the_mode(candidate, trained, start):
    trained.train(start == "train")
    before = modes(trained)
    candidate.evaluate(trained, data(16, seed=11)[0])
    if modes(trained) != before:
        red_flag("mode-not-restored", f"evaluate() left a model that was in {start} mode in "
                 f"{'training' if trained.training else 'eval'} mode",
                 line=line_of(candidate.evaluate))
        raise AssertionError(f"evaluate() did not restore {start} mode")


@check("predict")
@pytest.mark.parametrize("start", STARTS)
def test_predict_is_deterministic_and_leaves_the_model_alone(candidate, trained, start):
    inputs, _ = data(64, seed=12)
    want = deterministic_logits(trained, inputs).argmax(dim=1)
    before, state = put_in(trained, start), bn_state(trained)
    with spy(trained) as seen:
        first = candidate.predict(trained, inputs)
    _flag_training_layers(candidate, "predict", seen)
    if not same_state(state, bn_state(trained)):
        red_flag("bn-stats-leak", "predict() updated the batch-norm running statistics with "
                 "the batch it predicted", line=line_of(candidate.predict))
    _flag_graph(candidate, "predict", seen)
    if modes(trained) != before:
        red_flag("mode-not-restored", f"predict() was given a model in {start} mode and "
                 f"handed it back in {mode_name(trained)} mode", line=line_of(candidate.predict))
    assert not any(seen["grad"]), "predict() built an autograd graph"
    assert modes(trained) == before, f"predict() changed the mode of a model in {start} mode"
    assert same_state(state, bn_state(trained)), "predict() changed the batch-norm statistics"
    put_in(trained, start)
    second = candidate.predict(trained, inputs)
    assert torch.equal(first, second) and torch.equal(first, want), (
        "predict() should give the eval-mode network's classes, the same every call")


@check("mc-dropout")
@pytest.mark.parametrize("start", STARTS)
def test_mc_dropout_keeps_dropout_on_and_batchnorm_frozen(candidate, trained, start):
    inputs, _ = data(32, seed=13)
    before, state = put_in(trained, start), bn_state(trained)
    with spy(trained) as seen:
        mean, spread = candidate.predict_with_uncertainty(trained, inputs)
    assert seen["dropout"], "no dropout layer ran during MC dropout: there is nothing to sample"
    dropout_on = all(seen["dropout"])
    bn_frozen = bool(seen["batchnorm"]) and not any(seen["batchnorm"])
    if not (dropout_on and bn_frozen):
        red_flag("mc-dropout-wrong-modes",
                 f"during MC dropout the dropout layer ran {'on' if dropout_on else 'off'} and "
                 f"batch norm in {'eval' if bn_frozen else 'training'} mode; MC dropout needs "
                 "dropout on and batch norm on its running statistics",
                 line=line_of(candidate.predict_with_uncertainty))
    if not same_state(state, bn_state(trained)):
        red_flag("bn-stats-leak", "predict_with_uncertainty() updated the batch-norm running statistics",
                 line=line_of(candidate.predict_with_uncertainty))
    _flag_graph(candidate, "predict_with_uncertainty", seen)
    if modes(trained) != before:
        red_flag("mode-not-restored", f"predict_with_uncertainty() was given a model in {start} "
                 "mode and left its layers in other modes",
                 line=line_of(candidate.predict_with_uncertainty))
    assert dropout_on and bn_frozen, "MC dropout ran with the wrong layer modes"
    assert same_state(state, bn_state(trained)), "the batch-norm statistics changed"
    assert modes(trained) == before, f"the modes of a model in {start} mode were not restored"
    assert not any(seen["grad"]), "MC dropout built an autograd graph on every pass"
    assert mean.shape == spread.shape == (32, 3), (
        f"expected a (32, 3) mean and spread for 32 inputs and 3 classes, got "
        f"{tuple(mean.shape)} and {tuple(spread.shape)}: average over the passes (dim 0)")
    assert torch.allclose(mean.sum(dim=1), torch.ones(32), atol=1e-4), "mean probabilities should sum to 1"
    assert float(spread.max()) > 0, "the spread is zero everywhere: the passes were all the same"


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
def test_autograd_is_left_on_for_whatever_runs_next(candidate, trained, function):
    dtype = torch.get_default_dtype()
    _call(candidate, function, trained, data(8, seed=15)[0])
    assert torch.is_grad_enabled(), (
        f"after {function}() autograd stays off for everything that runs next, training "
        "included: torch.set_grad_enabled(False) was called as a statement; use torch.no_grad() "
        "(or set_grad_enabled) as a context manager")
    assert not torch.is_inference_mode_enabled(), (
        f"after {function}() inference mode stays on: use torch.inference_mode() in a with block")
    assert torch.get_default_dtype() == dtype, f"{function}() changed torch's default dtype"
