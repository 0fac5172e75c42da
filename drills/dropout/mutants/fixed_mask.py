# expect-red-flags: fixed-mask
# expect-failed-checks: fresh-mask
"""Draws the mask on the first call and reuses it for every later input of that shape."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self._masks = {}

    def forward(self, x):
        if not self.training:
            return x
        key = (tuple(x.shape), x.dtype)
        if key not in self._masks:
            self._masks[key] = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * self._masks[key] / (1 - self.p)
