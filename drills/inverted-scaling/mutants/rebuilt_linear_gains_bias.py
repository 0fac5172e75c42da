# expect-failed-checks: convert-relu
# expect-says: has a bias the trained layer did not have
# mistake: to_inverted rebuilds each following Linear as nn.Linear(in, out) and copies weight (and bias only if present), so a bias=False layer comes back with a freshly initialised random bias
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
    mods = list(model)
    out = []
    for i, m in enumerate(mods):
        if isinstance(m, PaperDropout):
            out.append(InvertedDropout(m.p))
        elif isinstance(m, nn.Linear) and i > 0 and isinstance(mods[i - 1], PaperDropout):
            new = nn.Linear(m.in_features, m.out_features).to(m.weight.dtype)
            with torch.no_grad():
                new.weight.copy_(m.weight * (1 - mods[i - 1].p))
                if m.bias is not None:
                    new.bias.copy_(m.bias)
            out.append(new)
        else:
            out.append(copy.deepcopy(m))
    return nn.Sequential(*out)
