# expect-red-flags: no-rescale
# expect-failed-checks: survivor-scale, expectation
"""Masks correctly but forgets to divide the survivors by 1 - p."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype)
