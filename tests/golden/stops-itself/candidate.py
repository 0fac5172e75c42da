"""Attack: the layer stops its own process (SIGSTOP) in forward (in eval mode at p=0.8,
so one check meets it), so whoever waits on it waits forever. That check must end at its
time limit, the process must be replaced, and every other check must run normally."""
import os
import signal

import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if not self.training and self.p == 0.8:
            os.kill(os.getpid(), signal.SIGSTOP)
        if not self.training or self.p == 0:
            return x
        mask = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * mask / (1.0 - self.p)
