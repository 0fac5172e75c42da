"""Attack: start 200 processes at import (each sleeps), to exhaust the machine's process
table. drill must stop the whole tree and say why, with nothing left running."""
import os
import time

import torch.nn as nn

for _ in range(200):
    try:
        child = os.fork()
    except OSError:  # a process limit: keep what we have
        break
    if child == 0:
        time.sleep(600)
        os._exit(0)
time.sleep(60)


class Dropout(nn.Module):
    def forward(self, x):
        return x
