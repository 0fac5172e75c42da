# expect-red-flags: fold-through-nonlinearity
# expect-failed-checks: convert-tanh
# expect-says: Linear '0' (before the Tanh and the dropout with p=0.5) of your converted model took the keep probability
"""Folds the keep probability into the layer before the activation: right for ReLU only."""

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
    layers = [copy.deepcopy(layer) for layer in model]
    for index, layer in enumerate(layers):
        if isinstance(layer, PaperDropout):
            # fold into the Linear before the activation (only right for ReLU)
            earlier = next((m for m in reversed(layers[:index]) if isinstance(m, nn.Linear)), None)
            with torch.no_grad():
                if earlier is None:  # an input dropout: nothing before it, fold forward
                    layers[index + 1].weight.mul_(1.0 - layer.p)
                else:
                    earlier.weight.mul_(1.0 - layer.p)
                    earlier.bias.mul_(1.0 - layer.p)
            layers[index] = InvertedDropout(layer.p)
    return nn.Sequential(*layers)
