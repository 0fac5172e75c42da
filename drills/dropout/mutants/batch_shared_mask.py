# expect-failed-checks: independence
# expect-says: one mask is drawn per feature and reused across the batch
"""Draws one mask per feature and shares it across the examples of the batch."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if not self.training or x.dim() < 2:
            return x if not self.training else x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
        noise = torch.rand_like(x[:1])
        return x * (noise >= self.p).to(x.dtype) / (1 - self.p)
