"""A correct variant: an in-place uniform_ draw on a fresh buffer, torch.where, no p=0 shortcut."""

import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        assert 0 <= p < 1, "p must be in [0, 1)"
        self.p = p

    def forward(self, x):
        if self.training:
            noise = torch.empty_like(x).uniform_()
            return torch.where(noise < 1 - self.p, x / (1 - self.p), torch.zeros_like(x))
        return x
