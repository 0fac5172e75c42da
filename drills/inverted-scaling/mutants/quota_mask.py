# expect-failed-checks: fresh-mask
# mistake: drops exactly round(p * numel) elements per call (randperm), not each element independently: tiny tensors are under-dropped (a 1-element input is never dropped for p < 0.5) and drops are anti-correlated
"""Dropout's correction in the paper's place and in the inverted place, and a converter."""

import copy

import torch
from torch import nn


def _check_p(p):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return float(p)


def _keep(x, p):
    n = x.numel()
    keep = torch.ones(n, dtype=x.dtype, device=x.device)
    keep[torch.randperm(n, device=x.device)[: round(p * n)]] = 0
    return keep.view(x.shape)


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return x * _keep(x, self.p)
        return x * (1 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return x * _keep(x, self.p) / (1 - self.p)
        return x


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    for i in range(len(served)):
        if isinstance(served[i], PaperDropout):
            with torch.no_grad():
                served[i + 1].weight.mul_(1 - served[i].p)
            served[i] = InvertedDropout(served[i].p)
    return served
