# expect-red-flags: active-in-eval
# expect-failed-checks: eval-identity
"""Never looks at self.training: drops in eval mode too."""
import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        keep = 1 - self.p
        return x * (torch.rand_like(x) < keep).to(x.dtype) / keep
