import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
