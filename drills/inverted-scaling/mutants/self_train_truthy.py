# expect-red-flags: active-in-eval
# expect-failed-checks: paper-eval, inverted-eval, expectation
# mistake: tests `if self.train:` (a bound method, always truthy) instead of self.training, so both layers keep dropping in eval mode
"""Dropout's correction in the paper's place and in the inverted place, and a converter."""

import copy

import torch
from torch import nn


def _check_p(p):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return float(p)


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.train:
            keep = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * keep
        return x * (1.0 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.train:
            keep = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * keep / (1.0 - self.p)
        return x


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    children = list(served.named_children())
    for i, (name, module) in enumerate(children):
        if isinstance(module, PaperDropout):
            nxt = children[i + 1][1] if i + 1 < len(children) else None
            if not isinstance(nxt, nn.Linear):
                raise ValueError("PaperDropout must be directly followed by nn.Linear")
            with torch.no_grad():
                nxt.weight.mul_(1.0 - module.p)
            setattr(served, name, InvertedDropout(module.p))
    return served
