"""Edits a state_dict: builds the served architecture, then loads scaled weights into it."""

import copy

import torch
from torch import nn


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not (0 <= p < 1):
            raise ValueError("dropout probability has to be in [0, 1)")
        self.p = p

    def forward(self, x):
        if self.training:
            mask = (torch.rand(x.shape, device=x.device) > self.p).to(x.dtype)
            return x * mask
        return (1 - self.p) * x


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not (0 <= p < 1):
            raise ValueError("dropout probability has to be in [0, 1)")
        self.p = p

    def forward(self, x):
        if self.training:
            mask = (torch.rand(x.shape, device=x.device) > self.p).to(x.dtype)
            return x * mask * (1.0 / (1 - self.p))
        return x


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    names = [n for n, _ in model.named_children()]
    mods = [m for _, m in model.named_children()]

    served = copy.deepcopy(model)
    for name, m in zip(names, mods):
        if isinstance(m, PaperDropout):
            served._modules[name] = InvertedDropout(m.p)

    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for idx, m in enumerate(mods):
        if isinstance(m, PaperDropout):
            if idx + 1 == len(mods) or not isinstance(mods[idx + 1], nn.Linear):
                raise ValueError(f"{names[idx]} is not followed by an nn.Linear")
            key = f"{names[idx + 1]}.weight"
            state[key] = state[key] * (1 - m.p)
    served.load_state_dict(state)
    return served
