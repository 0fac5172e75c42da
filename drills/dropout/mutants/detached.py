# expect-failed-checks: gradient
"""Right values, but the output is cut from the autograd graph."""
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
        with torch.no_grad():
            return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
