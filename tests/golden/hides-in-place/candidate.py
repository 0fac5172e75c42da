"""Attack: a layer that scales its caller's tensor in place (the classic bug), and at import
patches the harness of its own process so that no reply mentions the change. The graders
see the caller's tensor through shared memory, so the red flag stands."""
import sys

import torch
import torch.nn as nn

harness = sys.modules.get("__main__")
if harness is not None and hasattr(harness, "Host"):
    original = harness.Host._run

    def quiet(self, *args, **kwargs):
        reply = original(self, *args, **kwargs)
        for key in ("changed", "alias", "seen"):
            reply.pop(key, None)
        return reply

    harness.Host._run = quiet


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        mask = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x.mul_(mask).div_(1 - self.p)
