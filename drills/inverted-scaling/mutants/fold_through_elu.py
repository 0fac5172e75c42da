# expect-red-flags: fold-through-nonlinearity
# expect-failed-checks: convert-tanh
# expect-says: in the ELU network
# mistake: folds the keep probability backwards (weight and bias of the previous Linear) through the whole 'ReLU family' incl. ReLU6, Hardtanh, ELU and CELU, which are not positively homogeneous (clipping / exponential branch); ReLU, LeakyReLU, tanh and GELU are handled correctly
"""Dropout's correction in the paper's place and in the inverted place, and a converter."""

import copy

import torch
from torch import nn


def _check_p(p):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return float(p)


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * keep
        return x * (1 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = (torch.rand_like(x) >= self.p).to(x.dtype)
            return x * keep / (1 - self.p)
        return x


# activations for which act(k * z) == k * act(z) for k > 0 ... or so we assumed
_RELU_FAMILY = (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.ReLU6, nn.Hardtanh, nn.ELU, nn.CELU, nn.Identity)


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    mods = list(served)
    with torch.no_grad():
        for i, m in enumerate(mods):
            if not isinstance(m, PaperDropout):
                continue
            k = 1 - m.p
            j = i - 1
            while j >= 0 and isinstance(mods[j], _RELU_FAMILY):
                j -= 1
            if j >= 0 and isinstance(mods[j], nn.Linear):
                mods[j].weight.mul_(k)
                if mods[j].bias is not None:
                    mods[j].bias.mul_(k)
            else:
                mods[i + 1].weight.mul_(k)
            served[i] = InvertedDropout(m.p)
    return served
