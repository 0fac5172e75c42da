"""How many elements are dropped, the scale of the survivors, the expectation, and the
independence of the mask. Every bound is SIGMAS standard deviations wide."""

import pytest
import torch

from grader.harness.api import check, red_flag

N = 1 << 20


@check("drop-fraction")
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_fraction_dropped_matches_p(make, bound, traced, seed, p):
    layer = make(p)
    y = layer(torch.full((N,), 1.5))
    dropped = float((y == 0).double().mean())
    tolerance = bound(p * (1 - p), N)
    if abs(dropped - p) > tolerance and p != 0.5 and abs(dropped - (1 - p)) <= tolerance:
        _, line = traced(layer, torch.ones(16))  # tracing is slow: only for the evidence line
        red_flag("keep-drop-confusion",
                 f"at p={p} the layer dropped {dropped:.1%} of the elements, i.e. 1-p: "
                 "p is being used as the keep probability", line=line)
    assert abs(dropped - p) <= tolerance, (
        f"at p={p} the layer dropped {dropped:.2%} of the elements "
        f"(expected {p:.0%} +/- {tolerance:.2%})")


@check("survivor-scale")
@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_survivors_are_divided_by_keep_probability(make, traced, p):
    x = torch.rand(1 << 16) + 0.5
    y, line = traced(make(p), x.clone())  # a clone: an in-place layer must not corrupt x
    kept = y != 0
    assert kept.any(), f"at p={p} every element was dropped"
    ratio = (y[kept].double() / x[kept].double())
    some_dropped = bool((~kept).any())
    if some_dropped and torch.allclose(ratio, torch.ones_like(ratio), rtol=1e-5):
        red_flag("no-rescale",
                 f"at p={p} the surviving elements equal the input (x 1.000) instead of "
                 f"x / (1-p) = x {1 / (1 - p):.3f}", line=line)
    elif p != 0.5 and torch.allclose(ratio, torch.full_like(ratio, 1 / p), rtol=1e-5):
        red_flag("keep-drop-confusion",
                 f"at p={p} the survivors were multiplied by {1 / p:.3f} = 1/p instead of "
                 f"1/(1-p) = {1 / (1 - p):.3f}", line=line)
    expected = x[kept] / (1 - p)
    assert torch.allclose(y[kept], expected, rtol=1e-5, atol=0), (
        f"at p={p} survivors should be x / (1-p) = x {1 / (1 - p):.3f}; the first one is "
        f"x {float(ratio[0]):.3f}")


@check("expectation")
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_mean_is_preserved(make, bound, seed, p):
    value = 4.0
    y = make(p)(torch.full((N,), value))
    mean = float(y.double().mean())
    # each output is value * Bernoulli(1-p) / (1-p): variance value^2 * p / (1-p)
    tolerance = bound(value ** 2 * p / (1 - p), N)
    assert abs(mean - value) <= tolerance, (
        f"at p={p} the mean output was {mean:.4f} for a constant input of {value} "
        f"(expected {value} +/- {tolerance:.4f})")


@check("fresh-mask")
@pytest.mark.parametrize("p", [0.3, 0.5])
def test_each_call_draws_a_new_mask(make, traced, p):
    layer = make(p)
    x = torch.ones(4096)
    first = layer(x) == 0
    output, line = traced(layer, x)
    second = output == 0
    assert first.any() or second.any(), f"at p={p} nothing was dropped in either call"
    if first.any() and torch.equal(first, second):
        red_flag("fixed-mask",
                 f"two consecutive calls at p={p} dropped exactly the same "
                 f"{int(first.sum())} of 4096 positions", line=line)
    assert not torch.equal(first, second), "the same mask was used on two calls"


@check("independence")
@pytest.mark.parametrize("p", [0.3, 0.6])
def test_mask_is_independent_across_elements_and_examples(make, bound, seed, p):
    rows, cols = 512, 512
    dropped = make(p)(torch.ones(rows, cols)) == 0
    share = _shared_along(dropped)
    assert share is None, f"at p={p} {share}"

    agree = p * p + (1 - p) * (1 - p)  # P(two independent elements share a fate)
    tolerance = bound(agree * (1 - agree), rows * cols // 2)
    across = float((dropped[0::2, :] == dropped[1::2, :]).double().mean())
    assert abs(across - agree) <= tolerance, (
        f"at p={p} the same position in two examples of a batch shares a fate {across:.1%} "
        f"of the time (independent masks: {agree:.1%}): the examples' masks are related")
    within = float((dropped[:, 0::2] == dropped[:, 1::2]).double().mean())
    assert abs(within - agree) <= tolerance, (
        f"at p={p} neighbouring elements of one example share a fate {within:.1%} of the "
        f"time (independent masks: {agree:.1%}): the mask is shared along a dimension")


def _shared_along(dropped):
    """Name an exactly shared mask before any statistics: a mask reused across the batch
    makes every other statistic noisy, and the evidence must say what is really wrong."""
    if not dropped.any():
        return "nothing was dropped at all, so there is no mask to be independent"
    if dropped.all():
        return "everything was dropped"
    if bool((dropped == dropped[:1]).all()):
        return (f"every example in the batch got the same mask ({int(dropped[0].sum())} of "
                f"{dropped.shape[1]} positions dropped in all {dropped.shape[0]} rows): one "
                "mask is drawn per feature and reused across the batch")
    if bool((dropped == dropped[:, :1]).all()):
        return ("each example is dropped or kept whole (every element of a row shares one "
                "fate): one draw per example instead of one per element")
    return None


@check("seeded-rng")
def test_same_seed_gives_same_mask(make):
    layer = make(0.5)
    x = torch.ones(4096)
    torch.manual_seed(2024)
    first = layer(x)
    torch.manual_seed(2024)
    second = layer(x)
    assert torch.equal(first, second), (
        "torch.manual_seed did not reproduce the mask: draw randomness from torch "
        "(torch.rand_like, torch.bernoulli), not from numpy, random or a private generator")
