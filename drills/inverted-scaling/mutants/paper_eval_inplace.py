# expect-red-flags: inplace-mutation
# expect-failed-checks: input-untouched
# mistake: PaperDropout's eval branch does x *= 1 - p (augmented assignment on a tensor is in place), scaling the caller's input tensor
"""Dropout's correction in the paper's place and in the inverted place, and a converter."""

import copy

import torch
from torch import nn


def _check_p(p):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return float(p)


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * keep
        x *= 1 - self.p
        return x


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * keep / (1 - self.p)
        return x


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    for i in range(len(served)):
        if isinstance(served[i], PaperDropout):
            with torch.no_grad():
                served[i + 1].weight.mul_(1 - served[i].p)
            served[i] = InvertedDropout(served[i].p)
    return served
