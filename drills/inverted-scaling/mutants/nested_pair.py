# expect-red-flags: test-time-scaling
# expect-failed-checks: no-inference-scaling
# expect-says: module '2.1' multiplies activations by 0.60 at inference
"""Keeps one slot per layer by nesting InvertedDropout and a x(1-p) module in one
Sequential: same outputs, scaling still on the serving path."""

import copy

import torch
from torch import nn


def _check_p(p):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return p


class PaperDropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x):
        if not self.training:
            return x * (1.0 - self.p)
        if self.p == 0.0:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype)


class InvertedDropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1.0 - self.p)

class KeepScale(nn.Module):
    def __init__(self, keep):
        super().__init__()
        self.keep = keep

    def forward(self, x):
        return self.keep * x


def to_inverted(model):
    converted = copy.deepcopy(model)
    for index, layer in enumerate(converted):
        if isinstance(layer, PaperDropout):
            converted[index] = nn.Sequential(InvertedDropout(layer.p), KeepScale(1.0 - layer.p))
    return converted
