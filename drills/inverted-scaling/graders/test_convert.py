"""Converting a model trained with the paper's dropout for an inverted-dropout server."""

import copy

import pytest
import torch
from torch import nn

from grader.harness.api import check, red_flag
from support import build, relu_net, tanh_net


def _convert(candidate, shape):
    original = build(shape, candidate.PaperDropout)
    kept = copy.deepcopy(original)
    converted = candidate.to_inverted(original)
    assert isinstance(converted, nn.Module), "to_inverted should return the converted model"
    return kept, original, converted.eval()


def _linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _fold_flags(kept, converted):
    """Compare each Linear of the converted model with the original's, by position."""
    before, after = _linears(kept), _linears(converted)
    if len(before) != len(after):
        return
    layers = list(kept)
    for index, (old, new) in enumerate(zip(before, after)):
        position = layers.index(old)
        previous = next((m for m in reversed(layers[:position]) if hasattr(m, "p")), None)
        following = next((m for m in layers[position + 1:] if hasattr(m, "p") or
                          isinstance(m, nn.Linear)), None)
        if previous is not None and layers[position - 1] is previous:
            keep = 1 - previous.p
            if torch.allclose(new.bias, old.bias * keep, atol=1e-6) and not torch.allclose(
                    old.bias, old.bias * keep):
                red_flag("bias-scaled", f"Linear {index} (after a dropout with p={previous.p}) "
                         f"had its bias multiplied by 1-p = {keep:.2f} as well as its weights; "
                         "the keep probability scaled the activations, never the bias")
        if following is not None and hasattr(following, "p") and torch.allclose(
                new.weight, old.weight * (1 - following.p), atol=1e-6):
            red_flag("fold-through-nonlinearity",
                     f"the keep probability of the dropout after Linear {index} was folded "
                     f"into Linear {index} itself, before the activation: f((1-p) z) equals "
                     "(1-p) f(z) only for ReLU-like activations, not for tanh")


@check("convert-relu")
def test_relu_network_is_served_unchanged(candidate):
    kept, _, converted = _convert(candidate, relu_net())
    _fold_flags(kept, converted)
    x = torch.randn(256, 6)
    with torch.no_grad():
        want, got = kept(x), converted(x)
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (
        "the converted ReLU network's eval outputs differ from the original's by up to "
        f"{float((got - want).abs().max()):.4f}")


@check("convert-tanh")
def test_tanh_network_is_served_unchanged(candidate):
    kept, _, converted = _convert(candidate, tanh_net())
    _fold_flags(kept, converted)
    x = torch.randn(256, 6)
    with torch.no_grad():
        want, got = kept(x), converted(x)
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (
        "the converted tanh network's eval outputs differ from the original's by up to "
        f"{float((got - want).abs().max()):.4f}")


@check("no-inference-scaling")
@pytest.mark.parametrize("shape", [relu_net(), tanh_net()], ids=["relu", "tanh"])
def test_nothing_scales_at_inference(candidate, shape):
    kept, _, converted = _convert(candidate, shape)
    left = [type(m).__name__ for m in converted.modules() if isinstance(m, candidate.PaperDropout)]
    if left:
        red_flag("test-time-scaling", f"the converted model still has {len(left)} "
                 "PaperDropout layer(s), which multiply by 1-p at inference")
    assert not left, "the converted model should have no PaperDropout left"
    positions = [i for i, m in enumerate(kept) if isinstance(m, candidate.PaperDropout)]
    layers = list(converted)
    assert len(layers) == len(kept), (
        f"the converted model has {len(layers)} layers, the original {len(kept)}: keep one "
        "InvertedDropout where each PaperDropout was")
    for position in positions:
        layer = layers[position]
        assert isinstance(layer, candidate.InvertedDropout), (
            f"layer {position} should be an InvertedDropout, not {type(layer).__name__}")
        x = torch.rand(1000) + 0.5
        assert torch.equal(layer.eval()(x.clone()), x), (
            f"layer {position} changes activations at inference")
        assert abs(layer.p - kept[position].p) < 1e-12, (
            f"layer {position} has p={layer.p}, the original had p={kept[position].p}")


@check("original-untouched")
def test_the_trained_model_is_not_modified(candidate):
    kept, original, _ = _convert(candidate, relu_net())
    assert [type(m) for m in original] == [type(m) for m in kept], (
        "to_inverted changed the layers of the model it was given")
    for (name, before), after in zip(kept.state_dict().items(), original.state_dict().values()):
        assert torch.equal(before, after), f"to_inverted changed the trained model's {name}"
