"""A correct variant: the mask comes from torch.bernoulli, the scale is folded in first."""

import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if p < 0 or p >= 1:
            raise ValueError("drop probability must be in [0, 1)")
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x.clone()  # a copy is as good as the input itself
        keep = 1 - self.p
        scale = torch.bernoulli(torch.full_like(x, keep)) / keep
        return x * scale
