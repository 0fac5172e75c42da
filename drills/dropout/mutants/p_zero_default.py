# expect-failed-checks: p-zero-identity
"""`self.p = p or 0.5` quietly turns p=0 into the default: a falsy-zero bug."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p or 0.5

    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
