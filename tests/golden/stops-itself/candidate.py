"""Attack: the layer stops its own process (SIGSTOP) in forward, so whoever waits on it
waits forever. Each check must end at its time limit, and grading must finish."""
import os
import signal

import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        os.kill(os.getpid(), signal.SIGSTOP)
        return x
