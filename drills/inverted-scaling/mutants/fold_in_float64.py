# expect-red-flags: dtype-changed
# expect-failed-checks: convert-relu, convert-tanh, no-inference-scaling
# mistake: folds the keep probability in float64 'for accuracy' (weight.double() * (1 - p)) and assigns the result as the new weight without casting back, so a float32 model's following Linear becomes float64 and the served model rejects float32 inputs
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
        return x * (1 - self.p)


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
            lin = served[i + 1]
            lin.weight = nn.Parameter(lin.weight.detach().double() * (1 - served[i].p))
            served[i] = InvertedDropout(served[i].p)
    return served
