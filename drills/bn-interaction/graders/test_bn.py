"""The variance shift in numbers, and a model whose batch norms never see dropped units."""

import pytest
import torch

from grader.harness.api import check, red_flag
from support import (BATCHNORM, DROPOUT, bad_placement, call_order, dropout_feeding_bn,
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


@check("model-runs")
@pytest.mark.parametrize("classes", [10, 4])
def test_model_shape_and_layers(candidate, classes):
    model = candidate.build_model(classes)
    out = model(torch.randn(8, 3, 16, 16))
    assert tuple(out.shape) == (8, classes), (
        f"build_model({classes}) gave {tuple(out.shape)} outputs for 8 images, not (8, {classes})")
    assert any(isinstance(m, BATCHNORM) for m in model.modules()), "the model has no batch norm"
    assert any(isinstance(m, DROPOUT) and m.p > 0 for m in model.modules()), (
        "the model has no dropout with p > 0")


@check("placement")
def test_no_dropout_feeds_a_batch_norm(candidate):
    model = candidate.build_model(10).train()
    order = call_order(model, torch.randn(4, 3, 16, 16))
    pairs = dropout_feeding_bn(order)
    if pairs:
        red_flag("dropout-before-bn", "; ".join(
            f"dropout '{d}' feeds batch norm '{b}' with no convolution or linear layer between"
            for d, b in pairs), line=_line(candidate.build_model))
    assert not pairs, "a batch norm sees dropped activations"
    assert any(isinstance(m, DROPOUT) for _, m in order), "no dropout layer ran"


@check("bn-mismatch")
def test_batch_norm_statistics_fit_at_inference(candidate):
    mine = stats_mismatch(candidate.build_model(10))
    bad = stats_mismatch(bad_placement(10))
    if mine > 0.5 * bad:
        pairs = dropout_feeding_bn(call_order(candidate.build_model(10).train(),
                                              torch.randn(4, 3, 16, 16)))
        if pairs:
            red_flag("dropout-before-bn", f"batch norm's running variance is off by "
                     f"{mine:.0%} at inference (dropout '{pairs[0][0]}' feeds '{pairs[0][1]}')",
                     line=_line(candidate.build_model))
    assert mine <= 0.5 * bad, (
        f"batch norm's running variance is off by {mine:.1%} on average at inference, "
        f"against {bad:.1%} for dropout placed right before batch norm")
    assert mine < 0.1, f"batch norm's running variance is off by {mine:.1%} at inference"
