import os
import signal

import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        os.kill(os.getpid(), signal.SIGKILL)
