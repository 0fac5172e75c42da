# expect-failed-checks: seeded-rng
"""Draws the mask from numpy, so torch.manual_seed cannot reproduce it."""
import numpy as np
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
        noise = torch.as_tensor(np.random.random_sample(tuple(x.shape)))
        return x * (noise >= self.p).to(x.dtype) / (1 - self.p)
