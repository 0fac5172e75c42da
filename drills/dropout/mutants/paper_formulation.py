# expect-red-flags: test-time-scaling, no-rescale
# expect-failed-checks: eval-identity, survivor-scale, expectation
"""The 2014 paper's formulation: plain mask in training, multiply by 1 - p at test time."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if self.training:
            return x * (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * (1 - self.p)
