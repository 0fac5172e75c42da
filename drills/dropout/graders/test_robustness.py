"""Inputs are left alone; dtypes, devices and awkward shapes work; bad p is refused."""

import pytest
import torch

from grader.harness.api import check, red_flag

TOLERANCE = {torch.float16: 2e-3, torch.bfloat16: 1.6e-2, torch.float32: 1e-5,
             torch.float64: 1e-9}


@check("input-untouched")
@pytest.mark.parametrize("train", [True, False])
def test_input_is_not_modified(make, traced, train):
    x = torch.randn(2048)
    before = x.clone()
    _, line = traced(make(0.5, train=train), x)
    changed = int((x != before).sum())
    if changed:
        red_flag("inplace-mutation",
                 f"after one {'training' if train else 'eval'}-mode call, {changed} of 2048 "
                 "elements of the caller's input tensor had changed", line=line)
    assert changed == 0, "forward() modified its input tensor in place"


@check("dtype-device")
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64],
                         ids=lambda d: str(d).replace("torch.", ""))
def test_dtype_and_device_are_preserved(make, traced, dtype):
    p = 0.4
    x = (torch.rand(4096) + 0.5).to(dtype)
    name = str(dtype).replace("torch.", "")
    for train in (True, False):
        y, line = traced(make(p, train=train), x.clone())
        if y.dtype != x.dtype:
            red_flag("dtype-changed", f"a {name} input came back as "
                     f"{str(y.dtype).replace('torch.', '')} in "
                     f"{'training' if train else 'eval'} mode", line=line)
        assert y.dtype == x.dtype, f"{name} input, {y.dtype} output"
        assert y.device == x.device, f"input on {x.device}, output on {y.device}"
    # One factor for every survivor, up to the dtype's rounding: the value of that factor
    # is survivor-scale's business, so a missing /(1-p) does not fail this check too.
    y = make(p, train=True)(x.clone())
    spread = _factor_spread(y, x)
    assert spread <= 2 * TOLERANCE[dtype], (
        f"{name}: survivors are scaled unevenly (their factors differ by {spread:.2%}): "
        "precision is lost on the way")


def _factor_spread(y, x):
    """Relative spread of the survivors' factors y / x (0 when nothing survived)."""
    kept = y != 0
    if not kept.any():
        return 0.0
    ratio = y[kept].double() / x[kept].double()
    return float((ratio.max() - ratio.min()) / ratio.abs().max())


def _own_factor(make, p):
    """The factor this layer gives survivors of an ordinary contiguous float32 input."""
    x = torch.rand(4096) + 0.5
    y = make(p, train=True)(x.clone())
    kept = y != 0
    return float((y[kept].double() / x[kept].double()).median()) if kept.any() else None


def _odd_shapes():
    base = torch.randn(6, 8)
    return {
        "0-d": torch.tensor(1.25),
        "empty": torch.empty(0, 5),
        "transposed": base.t(),
        "strided-view": base[:, ::2],
        "channels-last": torch.randn(2, 3, 4, 5).to(memory_format=torch.channels_last),
        "5-d": torch.randn(2, 1, 3, 2, 2),
    }


@check("shapes")
@pytest.mark.parametrize("case", list(_odd_shapes()))
def test_any_shape_and_layout(make, case):
    x = _odd_shapes()[case]
    original = x.clone()  # compare against a copy; x itself keeps its odd layout
    p = 0.5
    y = make(p, train=True)(x)
    assert y.shape == x.shape, f"{case}: output shape {tuple(y.shape)}, input {tuple(x.shape)}"
    # Survivors get the same factor as in an ordinary contiguous tensor: a layout that
    # scrambles elements shows up here, while the factor itself is survivor-scale's check.
    factor = _own_factor(make, p)
    kept = y != 0
    if factor is not None and kept.any():
        assert torch.allclose(y[kept], original[kept] * factor, rtol=1e-5), (
            f"{case}: survivors are not the input times the layer's own factor "
            f"(x {factor:.3f}): elements were mixed up")
    z = make(p, train=False)(x)
    assert z.shape == x.shape, f"{case}: eval mode gave shape {tuple(z.shape)}, input {tuple(x.shape)}"


@check("invalid-p")
@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_invalid_p_is_rejected(candidate, p):
    candidate.Dropout(0.5)  # a layer that refuses every p is not validating anything
    try:
        candidate.Dropout(p)
    except Exception:
        return
    raise AssertionError(
        f"Dropout(p={p}) was accepted: p is a probability of dropping, valid in [0, 1); "
        "raise a ValueError in __init__")
