"""Dropout modules are stateless, so the converter memoises them: every PaperDropout slot
with the same p gets the same InvertedDropout instance (as one would reuse a single
nn.ReLU). Each slot still holds an InvertedDropout with its own original p, and each call
draws a fresh mask. Masks via torch.rand(...).lt(p) and masked_fill."""

import copy

import torch
from torch import nn


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not (0.0 <= p < 1.0):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)

    def forward(self, x):
        if self.training:
            return x.masked_fill(torch.rand(x.shape, device=x.device).lt(self.p), 0)
        return x * (1.0 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not (0.0 <= p < 1.0):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)

    def forward(self, x):
        if self.training:
            return x.masked_fill(torch.rand(x.shape, device=x.device).lt(self.p), 0) / (1.0 - self.p)
        return x


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    by_p = {}
    for i in range(len(served)):
        m = served[i]
        if isinstance(m, PaperDropout):
            if i + 1 >= len(served) or not isinstance(served[i + 1], nn.Linear):
                raise ValueError("PaperDropout must be directly followed by an nn.Linear")
            with torch.no_grad():
                served[i + 1].weight.mul_(1.0 - m.p)
            served[i] = by_p.setdefault(m.p, InvertedDropout(m.p))
    return served
