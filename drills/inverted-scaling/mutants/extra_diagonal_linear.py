# expect-red-flags: test-time-scaling
# expect-failed-checks: no-inference-scaling
# expect-says: more Linear layer
# mistake: instead of folding 1-p into the trained weights, each Linear after a dropout gets a new Linear in front of it holding diag(1-p): the outputs match, and the scaling still runs at inference as an extra matrix product
"""Dropout's correction in the paper's place and in the inverted place, and a converter."""

import copy
import torch
from torch import nn


def _check(p):
    if not (0.0 <= p < 1.0):
        raise ValueError(f"p must be in [0, 1), got {p}")


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        _check(p)
        self.p = p

    def forward(self, x):
        if self.training:
            mask = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * mask
        return x * (1 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        _check(p)
        self.p = p

    def forward(self, x):
        if self.training:
            mask = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * mask / (1 - self.p)
        return x

def to_inverted(model):
    new = copy.deepcopy(model)
    layers = list(new)
    for i, m in enumerate(layers):
        if isinstance(m, PaperDropout):
            lin = layers[i + 1]
            d = nn.Linear(lin.in_features, lin.in_features, bias=False)
            with torch.no_grad():
                d.weight.copy_(torch.eye(lin.in_features) * (1 - m.p))
            layers[i + 1] = nn.Sequential(d, lin)
            layers[i] = InvertedDropout(m.p)
    return nn.Sequential(*layers)
