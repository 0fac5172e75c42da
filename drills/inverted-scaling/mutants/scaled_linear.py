# expect-red-flags: test-time-scaling
# expect-failed-checks: no-inference-scaling
"""Leaves the weights alone and wraps the next Linear in a module that multiplies its
input by 1-p: the scaling moved, but it is still computed at inference."""

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

class ScaledInput(nn.Module):
    def __init__(self, linear, keep):
        super().__init__()
        self.linear, self.keep = linear, keep

    def forward(self, x):
        return self.linear(x * self.keep)


def to_inverted(model):
    layers = [copy.deepcopy(layer) for layer in model]
    for index, layer in enumerate(layers):
        if isinstance(layer, PaperDropout):
            layers[index + 1] = ScaledInput(layers[index + 1], 1.0 - layer.p)
            layers[index] = InvertedDropout(layer.p)
    return nn.Sequential(*layers)
