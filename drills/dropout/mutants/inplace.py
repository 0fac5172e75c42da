# expect-red-flags: inplace-mutation
# expect-failed-checks: input-untouched, overfit-benefit
"""Zeroes and rescales the caller's tensor in place."""
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
        mask = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x.mul_(mask).div_(1 - self.p)
