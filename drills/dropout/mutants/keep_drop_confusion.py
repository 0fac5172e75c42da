# expect-red-flags: keep-drop-confusion
# expect-failed-checks: drop-fraction, survivor-scale, expectation
"""Treats p as the probability of keeping an element."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        mask = (torch.rand_like(x) < self.p).to(x.dtype)
        return x * mask / self.p
