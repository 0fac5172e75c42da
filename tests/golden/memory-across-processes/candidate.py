"""Attack: three forked children take 2 GiB each; each stays under the per-process cap,
together they are over the drill's memory limit. drill must stop the tree."""
import os
import time

import torch.nn as nn

for _ in range(3):
    if os.fork() == 0:
        block = bytearray(2 * 1024 ** 3)  # zero-filled and touched: resident
        block[:: 4096] = b"x" * len(block[:: 4096])
        time.sleep(600)
        os._exit(0)
time.sleep(60)


class Dropout(nn.Module):
    def forward(self, x):
        return x
