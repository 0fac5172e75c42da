import torch.nn as nn


class Dropout(nn.Module):
    """Swallows every Exception while looping: the check's alarm must still stop it."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        while True:
            try:
                pass
            except Exception:
                pass
