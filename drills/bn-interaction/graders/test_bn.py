"""The variance shift in numbers, and a model whose batch norms never see dropped units."""

import pytest
import torch

from grader.harness.api import check, function_line, red_flag
from torch import nn

from support import (bad_placement, dropout_feeding_bn, eval_is_deterministic, random_sources,
                     stats_mismatch)


def _line(candidate, name="build_model"):
    return function_line(candidate, name)


def exact(p, mean, var):
    return ((var + mean ** 2) / (1 - p) - mean ** 2) / var


SAMPLES, SIGMAS = 1_000_000, 6.0  # the smallest simulation the brief allows


def tolerance(p, mean, var):
    """Relative tolerance: 1%, or six standard errors of a million-sample simulation where
    that is wider (at p=0.8 the training variance is noisy: a correct simulation misses
    1% about one time in 250). y = x m / (1-p), x ~ N(mean, var), m ~ Bernoulli(1-p)."""
    keep = 1 - p
    raw = [1.0, mean, mean ** 2 + var, mean ** 3 + 3 * mean * var,
           mean ** 4 + 6 * mean ** 2 * var + 3 * var ** 2]
    y = [raw[j] / keep ** (j - 1) if j else 1.0 for j in range(5)]  # E[y^j]
    m1 = y[1]
    train_var = y[2] - m1 ** 2
    central4 = y[4] - 4 * m1 * y[3] + 6 * m1 ** 2 * y[2] - 3 * m1 ** 4
    relative_sd = ((central4 - train_var ** 2) / train_var ** 2 / SAMPLES + 2 / SAMPLES) ** 0.5
    return max(0.01, SIGMAS * relative_sd)


@check("variance-ratio")
@pytest.mark.parametrize("p,mean,var", [(0.0, 1.0, 1.0), (0.5, 0.0, 1.0), (0.5, 2.0, 1.0),
                                        (0.2, -1.0, 4.0), (0.8, 0.5, 0.25), (0.3, 3.0, 2.0)])
def test_variance_ratio(candidate, seed, p, mean, var):
    value = candidate.variance_ratio(p, mean, var)
    assert not isinstance(value, (str, bytes)) and (
        not isinstance(value, torch.Tensor) or value.numel() == 1), (
        f"variance_ratio should return a number, not {type(value).__name__} {value!r:.40}")
    got = float(value)
    want, allowed = exact(p, mean, var), tolerance(p, mean, var)
    assert abs(got - want) <= allowed * want, (
        f"variance_ratio({p}, {mean}, {var}) = {got:.4f}; the exact ratio is {want:.4f} "
        f"(allowed: {allowed:.1%})")


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
        "whatever layers sit between)", line=_line(candidate))


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
    bad = stats_mismatch(bad_placement(10), grad=False)
    if mine > 0.5 * bad:
        pairs = dropout_feeding_bn(candidate.build_model(10), _probe())
        if pairs:
            _flag(candidate, pairs, f"batch norm's running variance is off by {mine:.0%} at "
                                    "inference: ")
    assert mine <= 0.5 * bad, (
        f"a batch norm's running variance is off by {mine:.1%} at inference, against "
        f"{bad:.1%} for dropout placed right before batch norm")
    assert mine < 0.1, f"a batch norm's running variance is off by {mine:.1%} at inference"
