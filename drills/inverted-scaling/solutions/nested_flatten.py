"""Walks nested nn.Sequential containers in execution order, so a PaperDropout at the end
of one block followed by a Linear opening the next is still handled. Keeps every name."""

import numbers
import copy
from typing import List, Tuple

import torch
from torch import nn


class _Dropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not (0.0 <= p < 1.0):
            raise ValueError(f"invalid dropout probability {p!r}; expected 0 <= p < 1")
        self.p = float(p)
        self.keep_prob = 1.0 - self.p

    def _mask(self, x):
        return torch.rand_like(x).ge_(self.p).to(x.dtype)

    def extra_repr(self):
        return f"p={self.p}"


class PaperDropout(_Dropout):
    def forward(self, x):
        return x * self._mask(x) if self.training else x * self.keep_prob


class InvertedDropout(_Dropout):
    def forward(self, x):
        return x * self._mask(x) / self.keep_prob if self.training else x


def _leaves(container: nn.Sequential) -> List[Tuple[nn.Sequential, str, nn.Module]]:
    out = []
    for name, child in container.named_children():
        if isinstance(child, nn.Sequential):
            out.extend(_leaves(child))
        else:
            out.append((container, name, child))
    return out


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    leaves = _leaves(served)
    for i, (parent, name, mod) in enumerate(leaves):
        if isinstance(mod, PaperDropout):
            nxt = leaves[i + 1][2] if i + 1 < len(leaves) else None
            if not isinstance(nxt, nn.Linear):
                raise ValueError("each PaperDropout must be directly followed by an nn.Linear")
            with torch.no_grad():
                nxt.weight.mul_(mod.keep_prob)
            parent._modules[name] = InvertedDropout(mod.p)
    return served
