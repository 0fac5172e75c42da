"""Gradients flow only through survivors, scaled like the forward pass."""

import pytest
import torch

from grader.harness.api import check


@check("gradient")
@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_gradient_is_mask_over_keep_probability(make, p):
    x = torch.randn(4096, requires_grad=True)
    y = make(p)(x)
    y.sum().backward()
    assert x.grad is not None, "no gradient reached the input: is the output detached?"
    dropped = (y == 0).detach()
    assert bool((x.grad[dropped] == 0).all()), (
        f"at p={p} dropped elements received a non-zero gradient")
    kept_grad = x.grad[~dropped]
    expected = torch.full_like(kept_grad, 1 / (1 - p))
    assert torch.allclose(kept_grad, expected, rtol=1e-5), (
        f"at p={p} kept elements should get gradient 1/(1-p) = {1 / (1 - p):.3f}; got "
        f"{float(kept_grad[0]) if kept_grad.numel() else 'none'}")
