# expect-failed-checks: invalid-p
"""Both forms right, but any p is accepted: p=1.5 gives a negative keep probability."""

import copy

import torch
from torch import nn


class PaperDropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x * (1.0 - self.p)
        return x * (torch.rand_like(x) >= self.p).to(x.dtype)


class InvertedDropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1.0 - self.p)


def to_inverted(model):
    layers = [copy.deepcopy(layer) for layer in model]
    for index, layer in enumerate(layers):
        if isinstance(layer, PaperDropout):
            with torch.no_grad():
                layers[index + 1].weight.mul_(1.0 - layer.p)
            layers[index] = InvertedDropout(layer.p)
    return nn.Sequential(*layers)
