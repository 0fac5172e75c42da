"""Gradients flow only through survivors, scaled exactly as the forward pass scaled them."""

import pytest
import torch

from grader.harness.api import check


@check("gradient")
@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_gradient_follows_the_forward_pass(make, p):
    leaf = (torch.rand(4096) + 0.5).requires_grad_()
    x = leaf * 1.0  # not a leaf: an in-place layer is judged by input-untouched, not here
    y = make(p)(x)
    y.sum().backward()
    assert leaf.grad is not None, "no gradient reached the input: is the output detached?"
    dropped = (y == 0).detach()
    assert bool((leaf.grad[dropped] == 0).all()), (
        f"at p={p} dropped elements received a non-zero gradient")
    # d(out)/d(in) of a survivor is the factor the forward pass applied to it
    factor = (y.detach()[~dropped] / leaf.detach()[~dropped])
    assert torch.allclose(leaf.grad[~dropped], factor, rtol=1e-5), (
        f"at p={p} a kept element's gradient ({float(leaf.grad[~dropped][0]):.3f}) is not the "
        f"factor its value was scaled by ({float(factor[0]):.3f}): backward and forward disagree")
