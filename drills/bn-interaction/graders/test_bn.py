"""The variance shift in numbers, and a model whose batch norms never see dropped units."""

import pytest
import torch

from grader.harness.api import check, red_flag
from torch import nn

from support import (bad_placement, dropout_feeding_bn, eval_is_deterministic, random_sources,
                     stats_mismatch)


def _line(function):
    code = getattr(function, "__code__", None)
    return code.co_firstlineno if code else None


def exact(p, mean, var):
    return ((var + mean ** 2) / (1 - p) - mean ** 2) / var


@check("variance-ratio")
@pytest.mark.parametrize("p,mean,var", [(0.0, 1.0, 1.0), (0.5, 0.0, 1.0), (0.5, 2.0, 1.0),
                                        (0.2, -1.0, 4.0), (0.8, 0.5, 0.25), (0.3, 3.0, 2.0)])
def test_variance_ratio(candidate, p, mean, var):
    got = float(candidate.variance_ratio(p, mean, var))
    want = exact(p, mean, var)
    assert abs(got - want) <= 0.01 * want, (
        f"variance_ratio({p}, {mean}, {var}) = {got:.4f}; the exact ratio is {want:.4f}")


def _probe():
    return torch.randn(16, 3, 16, 16, generator=torch.Generator().manual_seed(5))


@check("model-runs")
@pytest.mark.parametrize("classes", [10, 4])
def test_model_shape_and_layers(candidate, classes):
    model = candidate.build_model(classes)
    out = model(torch.randn(8, 3, 16, 16))
    assert tuple(out.shape) == (8, classes), (
        f"build_model({classes}) gave {tuple(out.shape)} outputs for 8 images, not (8, {classes})")
    kinds = sorted({type(m).__name__ for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)})
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules()), (
        "the model has no nn.BatchNorm2d on its feature maps" + (
            f" (only {', '.join(kinds)})" if kinds else ""))
    assert random_sources(model, _probe()), (
        "the model is not random in training mode: it has no dropout with p > 0")
    assert eval_is_deterministic(model, _probe()), (
        "the model is still random in eval mode: its dropout ignores eval mode")


def _flag(candidate, pairs, prefix=""):
    fed = {}
    for source, norm in pairs:
        fed.setdefault(source, []).append(f"'{norm}'")
    red_flag("dropout-before-bn", prefix + "; ".join(
        f"{source} feeds batch norm{'s' if len(norms) > 1 else ''} " + (
            ", ".join(norms[:-1]) + " and " + norms[-1] if len(norms) > 1 else norms[0])
        for source, norms in fed.items())
        + " (in training mode the dropped units reach the batch norm's input, through "
        "whatever layers sit between)", line=_line(candidate.build_model))


@check("placement")
def test_no_dropout_feeds_a_batch_norm(candidate):
    model = candidate.build_model(10)
    assert random_sources(model, _probe()), "the model has no dropout that is random in training mode"
    pairs = dropout_feeding_bn(model, _probe())
    if pairs:
        _flag(candidate, pairs)
    assert not pairs, "a batch norm sees dropped activations"


@check("bn-mismatch")
def test_batch_norm_statistics_fit_at_inference(candidate):
    mine = stats_mismatch(candidate.build_model(10))
    bad = stats_mismatch(bad_placement(10))
    if mine > 0.5 * bad:
        pairs = dropout_feeding_bn(candidate.build_model(10), _probe())
        if pairs:
            _flag(candidate, pairs, f"batch norm's running variance is off by {mine:.0%} at "
                                    "inference: ")
    assert mine <= 0.5 * bad, (
        f"batch norm's running variance is off by {mine:.1%} on average at inference, "
        f"against {bad:.1%} for dropout placed right before batch norm")
    assert mine < 0.1, f"batch norm's running variance is off by {mine:.1%} at inference"
