# expect-red-flags: library-call
# expect-failed-checks: own-implementation
"""Wraps nn.Dropout, imported under another name."""
from torch import nn as layers


class Dropout(layers.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.inner = layers.Dropout(p)
        self.p = p

    def forward(self, x):
        return self.inner(x)
