# expect-failed-checks: overfit-benefit, drop-fraction, survivor-scale, fresh-mask, independence
"""Returns its input in both modes: nothing is ever dropped."""
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        return x
