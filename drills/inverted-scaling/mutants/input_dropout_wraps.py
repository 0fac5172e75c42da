# expect-failed-checks: convert-relu
# mistake: backward fold walks j = i - 1 down past ReLU-like layers and then tests mods[j]; for an input dropout at position 0, j = -1 wraps to the LAST layer, so the final Linear's weight and bias get scaled instead of the next Linear's weight
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


_HOMOGENEOUS = (nn.ReLU, nn.LeakyReLU, nn.Identity)


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    mods = list(served)
    with torch.no_grad():
        for i, m in enumerate(mods):
            if not isinstance(m, PaperDropout):
                continue
            k = 1 - m.p
            j = i - 1
            while j >= 0 and isinstance(mods[j], _HOMOGENEOUS):
                j -= 1
            if isinstance(mods[j], nn.Linear):  # relu(k z) = k relu(z): fold into the layer before
                mods[j].weight.mul_(k)
                if mods[j].bias is not None:
                    mods[j].bias.mul_(k)
            else:
                mods[i + 1].weight.mul_(k)
            served[i] = InvertedDropout(m.p)
    return served
