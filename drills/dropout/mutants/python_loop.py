# expect-red-flags: python-loop
# expect-failed-checks: vectorised
"""Correct values, but decides every element in a Python loop."""
import random

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
        flat = torch.rand_like(x).reshape(-1)
        mask = torch.empty_like(flat)
        for i in range(flat.numel()):
            mask[i] = 1.0 if flat[i] >= self.p else 0.0
        return x * mask.reshape(x.shape) / (1 - self.p)
