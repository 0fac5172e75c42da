"""Train/eval behaviour: eval is the identity, p=0 is the identity, the mode is left alone."""

import pytest
import torch

from grader.harness.api import check, red_flag


@check("eval-identity")
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_eval_mode_returns_input(make, traced, p):
    layer = make(p, train=False)
    x = torch.rand(4096) + 0.5  # strictly positive, so ratios are defined
    first, line = traced(layer, x.clone())
    second = layer(x.clone())
    differ = int((first != second).sum())
    zeros = int((first == 0).sum())
    if differ or zeros:
        red_flag("active-in-eval",
                 f"in eval mode at p={p}: two calls on the same input differ in {differ} of "
                 f"4096 positions, and {zeros} outputs are zero", line=line)
    else:
        ratio = (first.double() / x.double())
        spread = float(ratio.max() - ratio.min())
        factor = float(ratio.mean())
        if spread < 1e-4 and abs(factor - 1) > 1e-4:
            red_flag("test-time-scaling",
                     f"in eval mode at p={p} every output is {factor:.3f} x its input "
                     f"(1-p = {1 - p:.3f}); eval mode should return the input unchanged",
                     line=line)
    assert torch.equal(first, x), f"eval mode at p={p} did not return the input unchanged"


@check("p-zero-identity")
def test_p_zero_is_identity_when_training(make):
    layer = make(0.0, train=True)
    x = torch.randn(1000)
    y = layer(x.clone())
    assert torch.equal(y, x), "with p=0 nothing should be dropped or scaled, even in training mode"


@check("mode-untouched")
@pytest.mark.parametrize("train", [False, True])
def test_forward_keeps_the_training_flag(make, train):
    layer = make(0.5, train=train)
    layer(torch.randn(100))
    mode = "training" if train else "eval"
    assert layer.training is train, (
        f"forward() switched a {mode}-mode layer to {'eval' if train else 'training'} mode: "
        "read self.training, never call self.train() inside forward")
