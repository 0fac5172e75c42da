# expect-red-flags: test-time-scaling
# expect-failed-checks: no-inference-scaling
# expect-says: module '2' multiplies activations by 0.60 at inference
"""Serves with a subclass of InvertedDropout whose eval branch multiplies by 1-p: the
inverted class itself is right, the converted model is the paper's again."""

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

class ServingDropout(InvertedDropout):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return x * (1.0 - self.p)


def to_inverted(model):
    converted = copy.deepcopy(model)
    for index, layer in enumerate(converted):
        if isinstance(layer, PaperDropout):
            converted[index] = ServingDropout(layer.p)
    return converted
