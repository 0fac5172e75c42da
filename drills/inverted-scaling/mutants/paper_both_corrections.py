# expect-red-flags: double-scaling
# expect-failed-checks: paper-train, expectation
# mistake: PaperDropout uses F.dropout in training (survivors already scaled by 1/(1-p)) and still multiplies by 1 - p at eval
"""Dropout's correction in the paper's place and in the inverted place, and a converter."""

import copy

import torch
import torch.nn.functional as F
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
        if self.training:
            return F.dropout(x, self.p, training=True)
        return x * (1.0 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
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
