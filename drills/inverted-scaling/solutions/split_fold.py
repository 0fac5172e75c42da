"""Splits the keep probability k = 1 - p between both sides of the dropout when that is
exact: if only positively homogeneous activations (ReLU, LeakyReLU, Identity) sit between
the previous Linear and the dropout, sqrt(k) goes into that Linear's weight and bias
(relu(c z) = c relu(z) for c > 0) and the other sqrt(k) into the next Linear's weight;
otherwise all of k goes into the next Linear's weight. Either way the product is k once."""

import copy
import math

import torch
from torch import nn

_HOMOGENEOUS = (nn.ReLU, nn.LeakyReLU, nn.Identity)


def _p(p):
    if not 0 <= p < 1:
        raise ValueError(f"p={p!r} is not in [0, 1)")
    return float(p)


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _p(p)

    def forward(self, x):
        if self.training:
            return x * (torch.rand_like(x, dtype=torch.float32) >= self.p)
        return x * (1 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _p(p)

    def forward(self, x):
        if self.training:
            return x * (torch.rand_like(x, dtype=torch.float32) >= self.p) / (1 - self.p)
        return x


@torch.no_grad()
def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    names = list(served._modules)
    mods = [served._modules[n] for n in names]
    for i, m in enumerate(mods):
        if not isinstance(m, PaperDropout):
            continue
        if i + 1 >= len(mods) or not isinstance(mods[i + 1], nn.Linear):
            raise ValueError("PaperDropout must be directly followed by nn.Linear")
        k = 1.0 - m.p
        j = i - 1
        while j >= 0 and isinstance(mods[j], _HOMOGENEOUS):
            j -= 1
        if j >= 0 and isinstance(mods[j], nn.Linear) and k > 0:
            half = math.sqrt(k)
            mods[j].weight.mul_(half)
            if mods[j].bias is not None:
                mods[j].bias.mul_(half)
            mods[i + 1].weight.mul_(half)
        else:
            mods[i + 1].weight.mul_(k)
        served._modules[names[i]] = InvertedDropout(m.p)
    return served
