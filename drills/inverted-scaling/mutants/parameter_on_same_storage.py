# expect-failed-checks: original-untouched
# expect-says: the converted model shares
# mistake: to save memory the untouched Linears are rebuilt around nn.Parameter(w.data): new parameter objects on the trained model's own memory, so fine-tuning the served model edits the original
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

def _alias(layer):
    # a new Linear whose parameters are new Parameter objects on the SAME storage
    new = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
    new.weight = nn.Parameter(layer.weight.data)
    if layer.bias is not None:
        new.bias = nn.Parameter(layer.bias.data)
    return new


def to_inverted(model):
    layers = list(model)
    out = []
    for i, m in enumerate(layers):
        if isinstance(m, PaperDropout):
            out.append(InvertedDropout(m.p))
        elif i > 0 and isinstance(layers[i - 1], PaperDropout):
            new = copy.deepcopy(m)
            with torch.no_grad():
                new.weight.mul_(1 - layers[i - 1].p)
            out.append(new)
        elif isinstance(m, nn.Linear):
            out.append(_alias(m))
        else:
            out.append(m)
    return nn.Sequential(*out)
