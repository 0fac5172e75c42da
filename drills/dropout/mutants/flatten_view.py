# expect-failed-checks: shapes
"""Flattens with view(), which fails on non-contiguous inputs."""
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
        flat = x.view(-1)
        mask = (torch.rand(flat.shape[0], dtype=x.dtype) >= self.p).to(x.dtype)
        return (flat * mask / (1 - self.p)).view(x.shape)
