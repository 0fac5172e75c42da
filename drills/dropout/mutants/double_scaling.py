# expect-red-flags: test-time-scaling
# expect-failed-checks: eval-identity
"""Inverted scaling in training AND the paper's scaling at test time: corrected twice."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        keep = 1 - self.p
        if self.training:
            return x * (torch.rand_like(x) < keep).to(x.dtype) / keep
        return x * keep
