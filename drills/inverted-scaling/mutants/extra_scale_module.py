# expect-red-flags: test-time-scaling
# expect-failed-checks: no-inference-scaling
# expect-says: module '3' multiplies activations by 0.60 at inference
"""Swaps in InvertedDropout but adds a module after it that multiplies by 1-p: the
outputs match, and the keep probability is still applied at inference."""

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

class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def to_inverted(model):
    layers = []
    for layer in model:
        if isinstance(layer, PaperDropout):
            layers += [InvertedDropout(layer.p), Scale(1.0 - layer.p)]
        else:
            layers.append(copy.deepcopy(layer))
    return nn.Sequential(*layers)
