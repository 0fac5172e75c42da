import sys
import warnings

import torch
import torch.nn as nn

warnings.warn("a warning at import time")
print("a line on stderr at import", file=sys.stderr)


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        warnings.warn("forward is being called", UserWarning)
        print("stderr noise from forward", file=sys.stderr)
        if not self.training or self.p == 0:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
