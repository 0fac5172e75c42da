# expect-red-flags: library-call
# expect-failed-checks: own-implementation
"""Delegates to PyTorch's functional dropout under an alias."""
import torch.nn as nn
from torch.nn.functional import dropout as _mask_it


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        return _mask_it(x, self.p, self.training)
