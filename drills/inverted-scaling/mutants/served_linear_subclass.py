# expect-red-flags: test-time-scaling
# expect-failed-checks: no-inference-scaling
# mistake: the Linear after each dropout becomes a subclass of nn.Linear that multiplies its input by 1-p in forward: the weights were never folded and the scaling still runs at inference
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

class ServedLinear(nn.Linear):
    def forward(self, x):
        return nn.functional.linear(x * self.keep, self.weight, self.bias)


def to_inverted(model):
    new = copy.deepcopy(model)
    layers = list(new)
    for i, m in enumerate(layers):
        if isinstance(m, PaperDropout):
            lin = layers[i + 1]
            s = ServedLinear(lin.in_features, lin.out_features, bias=lin.bias is not None)
            with torch.no_grad():
                s.weight.copy_(lin.weight)
                if lin.bias is not None:
                    s.bias.copy_(lin.bias)
            s.keep = 1 - m.p
            layers[i + 1] = s
            layers[i] = InvertedDropout(m.p)
    return nn.Sequential(*layers)
