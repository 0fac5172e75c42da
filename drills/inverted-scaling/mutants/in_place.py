# expect-red-flags: model-mutated
# expect-failed-checks: original-untouched
"""Converter that edits the trained model instead of a copy."""

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


def to_inverted(model):
    layers = list(model)  # the trained model itself, not a copy
    for index, layer in enumerate(layers):
        if isinstance(layer, PaperDropout):
            following = layers[index + 1] if index + 1 < len(layers) else None
            if not isinstance(following, nn.Linear):
                raise ValueError(f"layer {index} (PaperDropout) is not followed by a Linear")
            # W @ ((1-p) h) + b == ((1-p) W) @ h + b: the factor moves into the weights only.
            with torch.no_grad():
                following.weight.mul_(1.0 - layer.p)
            layers[index] = InvertedDropout(layer.p)
    return nn.Sequential(*layers)
