# expect-red-flags: library-call
# expect-failed-checks: own-implementation
"""Wraps nn.Dropout, imported under another name."""
from torch import nn as layers


class Dropout(layers.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.inner = layers.Dropout(p)
        self.p = p

    def forward(self, x):
        return self.inner(x)
