"""Keep probability held in a (non-persistent, float64) buffer cast to the input dtype;
conversion done on a clone with explicit parameter replacement (nn.Parameter rebuilt
from the scaled data)."""

import copy

import torch
from torch import nn


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        p = float(p)
        if p != p or p < 0.0 or p >= 1.0:  # also rejects NaN
            raise ValueError(f"p must lie in [0, 1); got {p}")
        self.p = p
        self.register_buffer("keep", torch.tensor(1.0 - p, dtype=torch.float64), persistent=False)

    def forward(self, x):
        keep = self.keep.to(dtype=x.dtype, device=x.device)
        if self.training:
            return x * torch.bernoulli(keep.expand_as(x))
        return x * keep


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        p = float(p)
        if p != p or p < 0.0 or p >= 1.0:
            raise ValueError(f"p must lie in [0, 1); got {p}")
        self.p = p
        self.register_buffer("keep", torch.tensor(1.0 - p, dtype=torch.float64), persistent=False)

    def forward(self, x):
        if not self.training:
            return x
        keep = self.keep.to(dtype=x.dtype, device=x.device)
        return x * torch.bernoulli(keep.expand_as(x)) / keep


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    clone = copy.deepcopy(model)
    order = list(clone._modules.items())
    for pos, (name, mod) in enumerate(order):
        if not isinstance(mod, PaperDropout):
            continue
        try:
            _, following = order[pos + 1]
        except IndexError:
            raise ValueError("PaperDropout is the last layer; nothing to fold into") from None
        if not isinstance(following, nn.Linear):
            raise ValueError(f"PaperDropout {name!r} is followed by {type(following).__name__}")
        following.weight = nn.Parameter(following.weight.detach() * (1.0 - mod.p),
                                        requires_grad=following.weight.requires_grad)
        clone._modules[name] = InvertedDropout(mod.p)
    return clone
