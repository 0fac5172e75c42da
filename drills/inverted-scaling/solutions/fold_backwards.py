"""A second correct converter: where only ReLU-like activations sit between the Linear
before a dropout and the dropout, the keep probability goes back into that Linear (weights
and bias: relu(k z) = k relu(z) for k > 0); elsewhere it goes forward into the next
Linear's weights. Built as a fresh Sequential that keeps the original's names."""

import copy
from collections import OrderedDict

import torch
from torch import nn

HOMOGENEOUS = (nn.ReLU, nn.LeakyReLU, nn.Identity)


class _Base(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not (0.0 <= p < 1.0):
            raise ValueError(f"dropout probability must be in [0, 1), not {p}")
        self.p = float(p)

    def _mask(self, x):
        return torch.empty_like(x).bernoulli_(1.0 - self.p)


class PaperDropout(_Base):
    def forward(self, x):
        if self.training:
            return x * self._mask(x)
        return x * (1.0 - self.p)


class InvertedDropout(_Base):
    def forward(self, x):
        if not self.training:
            return x
        return x * self._mask(x) / (1.0 - self.p)


def to_inverted(model):
    named = [(name, copy.deepcopy(module)) for name, module in model.named_children()]
    for index, (name, module) in enumerate(named):
        if not isinstance(module, PaperDropout):
            continue
        keep = 1.0 - module.p
        back = index - 1
        while back >= 0 and isinstance(named[back][1], HOMOGENEOUS):
            back -= 1
        with torch.no_grad():
            if back >= 0 and isinstance(named[back][1], nn.Linear):
                named[back][1].weight.mul_(keep)
                named[back][1].bias.mul_(keep)
            else:
                named[index + 1][1].weight.mul_(keep)
        named[index] = (name, InvertedDropout(module.p))
    return nn.Sequential(OrderedDict(named))
