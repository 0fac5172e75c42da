# expect-red-flags: dtype-changed
# expect-failed-checks: dtype-device
"""Builds a float32 mask, so half-precision inputs come back as float32."""
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
        mask = (torch.rand(x.shape) >= self.p).float()
        return x * mask / (1 - self.p)
