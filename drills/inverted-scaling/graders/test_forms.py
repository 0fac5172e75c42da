"""Both formulations: how much is dropped, how survivors are scaled, what inference does,
and that training keeps the inference output as its expectation."""

import pytest
import torch

from support import N, behaviour, forward_line, half_width
from grader.harness.api import check, error_name, raised, red_flag

PS = [0.2, 0.5, 0.75]
FORMS = ["PaperDropout", "InvertedDropout"]


def _confused(seen, p):
    return p != 0.5 and abs(seen["dropped"] - (1 - p)) <= seen["tolerance"]


@check("paper-train")
@pytest.mark.parametrize("p", PS)
def test_paper_training(candidate, seed, p):
    seen = behaviour(candidate.PaperDropout(p), p)
    if _confused(seen, p):
        red_flag("keep-drop-confusion", f"PaperDropout({p}) dropped {seen['dropped']:.1%} "
                 "of the elements, i.e. 1-p: p is being used as the keep probability",
                 line=forward_line(candidate, "PaperDropout"))
    assert abs(seen["dropped"] - p) <= seen["tolerance"], (
        f"PaperDropout({p}) in training dropped {seen['dropped']:.2%} (expected {p:.0%})")
    if (seen["train_uniform"] and abs(seen["train_factor"] * (1 - p) - 1) < 1e-5
            and abs(seen["eval_factor"] - (1 - p)) < 1e-5):
        red_flag("double-scaling", f"PaperDropout({p}) divides survivors by 1-p in training "
                 f"and also multiplies by 1-p = {1 - p:.2f} at inference: both corrections",
                 line=forward_line(candidate, "PaperDropout"))
    assert seen["train_uniform"] and abs(seen["train_factor"] - 1) < 1e-5, (
        f"PaperDropout({p}) in training should leave survivors unchanged; they were "
        f"multiplied by {seen['train_factor']:.3f}")


@check("paper-eval")
@pytest.mark.parametrize("p", PS)
def test_paper_inference(candidate, p):
    seen = behaviour(candidate.PaperDropout(p), p)
    if seen["eval_random"]:
        red_flag("active-in-eval", f"PaperDropout({p}) still drops elements in eval mode",
                 line=forward_line(candidate, "PaperDropout"))
    assert not seen["eval_random"], f"PaperDropout({p}) is still random in eval mode"
    if p != 0.5 and abs(seen["eval_factor"] - p) < 1e-5:
        red_flag("keep-drop-confusion", f"PaperDropout({p}) multiplies by p = {p:g} at "
                 f"inference instead of the keep probability 1-p = {1 - p:.2f}",
                 line=forward_line(candidate, "PaperDropout"))
    if abs(seen["eval_factor"] - 1) < 1e-6 and abs(seen["train_factor"] - 1) < 1e-5:
        red_flag("no-rescale", f"PaperDropout({p}) neither rescales survivors in training nor "
                 "multiplies by 1-p at inference: inference sees larger activations than "
                 f"training did on average (x1 against x{1 - p:.2f})",
                 line=forward_line(candidate, "PaperDropout"))
    assert abs(seen["eval_factor"] - (1 - p)) < 1e-5, (
        f"PaperDropout({p}) in eval mode should multiply by 1-p = {1 - p:.3f}; it multiplied "
        f"by {seen['eval_factor']:.3f}")


@check("inverted-train")
@pytest.mark.parametrize("p", PS)
def test_inverted_training(candidate, seed, p):
    seen = behaviour(candidate.InvertedDropout(p), p)
    if _confused(seen, p):
        red_flag("keep-drop-confusion", f"InvertedDropout({p}) dropped {seen['dropped']:.1%} "
                 "of the elements, i.e. 1-p: p is being used as the keep probability",
                 line=forward_line(candidate, "InvertedDropout"))
    assert abs(seen["dropped"] - p) <= seen["tolerance"], (
        f"InvertedDropout({p}) in training dropped {seen['dropped']:.2%} (expected {p:.0%})")
    if seen["train_uniform"] and abs(seen["train_factor"] - 1) < 1e-5:
        red_flag("no-rescale", f"InvertedDropout({p}) leaves the survivors unchanged in "
                 f"training instead of dividing them by 1-p (x{1 / (1 - p):.3f})",
                 line=forward_line(candidate, "InvertedDropout"))
    elif p != 0.5 and seen["train_uniform"] and abs(seen["train_factor"] * p - 1) < 1e-5:
        red_flag("keep-drop-confusion", f"InvertedDropout({p}) divides survivors by p "
                 f"(x{1 / p:.3f}) instead of by the keep probability 1-p (x{1 / (1 - p):.3f})",
                 line=forward_line(candidate, "InvertedDropout"))
    assert seen["train_uniform"] and abs(seen["train_factor"] * (1 - p) - 1) < 1e-5, (
        f"InvertedDropout({p}) survivors should be x{1 / (1 - p):.3f}; they were "
        f"x{seen['train_factor']:.3f}")


@check("inverted-eval")
@pytest.mark.parametrize("p", PS)
def test_inverted_inference(candidate, p):
    seen = behaviour(candidate.InvertedDropout(p), p)
    if seen["eval_random"]:
        red_flag("active-in-eval", f"InvertedDropout({p}) still drops elements in eval mode",
                 line=forward_line(candidate, "InvertedDropout"))
    elif abs(seen["eval_factor"] - (1 - p)) < 1e-5:
        if abs(seen["train_factor"] * (1 - p) - 1) < 1e-5:
            red_flag("double-scaling", f"InvertedDropout({p}) divides survivors by 1-p in "
                     f"training and also multiplies by 1-p at inference: inference is "
                     f"{1 - p:.2f} times what training produced on average",
                 line=forward_line(candidate, "InvertedDropout"))
        else:
            red_flag("test-time-scaling", f"InvertedDropout({p}) multiplies by 1-p = "
                     f"{1 - p:.2f} at inference: that is the paper's form, not the inverted one",
                 line=forward_line(candidate, "InvertedDropout"))
    assert not seen["eval_random"], f"InvertedDropout({p}) still drops at random in eval mode"
    assert abs(seen["eval_factor"] - 1) < 1e-6, (
        f"InvertedDropout({p}) in eval mode should return the input unchanged; it "
        f"multiplied it by {seen['eval_factor']:.3f}")


@check("expectation")
@pytest.mark.parametrize("name", ["PaperDropout", "InvertedDropout"])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_training_expectation_equals_inference(candidate, seed, name, p):
    layer = getattr(candidate, name)(p)
    value = 2.0
    x = torch.full((N,), value)
    train_mean = float(layer.train()(x.clone()).double().mean())
    inference = float(layer.eval()(x[:8].clone()).double().mean())
    # inference output is constant; the training mean estimates inference with variance
    # inference^2 * p / (1-p) per element when the layer is right
    tolerance = half_width(max(inference, value) ** 2 * p / (1 - p), N)
    assert abs(train_mean - inference) <= tolerance, (
        f"{name}({p}): training averages {train_mean:.4f} but inference gives "
        f"{inference:.4f}; the next layer would see different scales")


@check("invalid-p")
@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_invalid_p_is_rejected(candidate, name, p):
    layer = getattr(candidate, name)
    for valid in (0.0, 0.5):  # a class that refuses every p is not validating anything
        try:
            layer(valid)
        except Exception as exc:
            raise AssertionError(f"{name}(p={valid}) raised {error_name(exc)}: p={valid:g} "
                                 "is a valid drop probability (p=0 is no dropout)") from None
    try:
        layer(p)
    except Exception as exc:
        if raised(exc, "ValueError"):
            return
        raise AssertionError(f"{name}(p={p}) raised {error_name(exc)}, not the ValueError "
                             "the brief asks for") from None
    raise AssertionError(f"{name}(p={p}) was accepted: p is a probability of dropping, valid "
                         "in [0, 1); raise ValueError")


@check("fresh-mask")
@pytest.mark.parametrize("name", FORMS)
def test_every_call_draws_a_new_independent_mask(candidate, name, seed):
    layer = getattr(candidate, name)(0.5).train()
    x = torch.rand(256, 256, generator=torch.Generator().manual_seed(3)) + 0.5
    first, second = layer(x.clone()) == 0, layer(x.clone()) == 0
    if torch.equal(first, second):
        red_flag("fixed-mask", f"two consecutive training calls of {name}(0.5) dropped exactly "
                 f"the same {int(first.sum())} of {first.numel()} positions",
                 line=forward_line(candidate, name))
    elif bool((first == first[:1]).all()):
        red_flag("fixed-mask", f"{name}(0.5) gives every example of a batch the same mask: "
                 "one mask per feature, shared across the batch", line=forward_line(candidate, name))
    assert not torch.equal(first, second), f"{name} reuses one mask on every call"
    assert not bool((first == first[:1]).all()), f"{name} shares one mask across the batch"

    # One element at a time, each must be dropped as often as the layer drops elements of
    # a big tensor: a quota of round(p * n) per call never drops a lone element at p < 0.5.
    layer = getattr(candidate, name)(0.3).train()
    probe = torch.rand(1 << 16, generator=torch.Generator().manual_seed(4)) + 0.5
    rate = float((layer(probe.clone()) == 0).double().mean())
    calls = 1000
    dropped = sum(int(layer(probe[i:i + 1].clone())[0] == 0) for i in range(calls))
    tolerance = half_width(rate * (1 - rate), calls) + half_width(rate * (1 - rate), 1 << 16)
    assert abs(dropped / calls - rate) <= tolerance, (
        f"{name}(0.3) dropped a single-element input in {dropped} of {calls} calls "
        f"({dropped / calls:.1%}), while it drops {rate:.1%} of a large tensor: each element "
        "should be dropped on its own, independently of the others")


@check("input-untouched")
@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("train", [True, False])
def test_the_input_is_left_alone(candidate, name, train):
    x = torch.rand(4096) + 0.5
    before = x.clone()
    getattr(candidate, name)(0.4).train(train)(x)
    changed = int((x != before).sum())
    if changed:
        red_flag("inplace-mutation", f"one {'training' if train else 'eval'}-mode call of "
                 f"{name}(0.4) changed {changed} of 4096 elements of the caller's input tensor",
                 line=forward_line(candidate, name))
    assert not changed, f"{name} modified its input tensor in place"


@check("dtype")
@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64],
                         ids=lambda d: str(d).replace("torch.", ""))
def test_the_dtype_is_kept(candidate, name, dtype):
    x = (torch.rand(1024) + 0.5).to(dtype)
    layer = getattr(candidate, name)(0.4)
    for train in (True, False):
        y = layer.train(train)(x.clone())
        if y.dtype != dtype:
            red_flag("dtype-changed", f"{name}(0.4) turned a {str(dtype)[6:]} input into "
                     f"{str(y.dtype)[6:]} in {'training' if train else 'eval'} mode",
                 line=forward_line(candidate, name))
        assert y.dtype == dtype, f"{name}: {dtype} in, {y.dtype} out"
