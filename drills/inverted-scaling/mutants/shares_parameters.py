# expect-failed-checks: original-untouched
# expect-says: with the trained model: fine-tuning the served model would change the original
# mistake: to avoid copying weights, the served Sequential reuses the caller's modules and only builds a new Linear after each dropout, whose bias Parameter is the original's; served and original share parameters, so fine-tuning the served model edits the caller's model
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
            new = nn.Linear(m.in_features, m.out_features, bias=m.bias is not None,
                            dtype=m.weight.dtype, device=m.weight.device)
            new.weight = nn.Parameter(m.weight.detach() * (1 - mods[i - 1].p))
            new.bias = m.bias  # bias needs no change, so just reuse it
            out.append(new)
        else:
            out.append(m)  # nothing to change: reuse
    return nn.Sequential(*out)
