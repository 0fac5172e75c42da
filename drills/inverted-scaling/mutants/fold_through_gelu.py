# expect-red-flags: fold-through-nonlinearity
# expect-failed-checks: convert-tanh
# expect-says: in the GELU network
# mistake: treats GELU/SiLU/ELU as ReLU-like and folds backwards through them (not positively homogeneous); tanh is handled correctly
"""Dropout's correction in both places; the converter folds the keep probability into the
layer before the dropout when only positively homogeneous activations sit in between."""

import copy

import torch
from torch import nn

FOLDABLE = (nn.ReLU, nn.LeakyReLU, nn.Identity, nn.GELU, nn.SiLU, nn.ELU)  # ReLU family


def _check_p(p):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return float(p)


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return x * torch.bernoulli(torch.full_like(x, 1.0 - self.p))
        return x * (1.0 - self.p)


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return x * torch.bernoulli(torch.full_like(x, 1.0 - self.p)) / (1.0 - self.p)
        return x


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    names = list(served._modules.keys())
    layers = list(served._modules.values())
    with torch.no_grad():
        for i, layer in enumerate(layers):
            if not isinstance(layer, PaperDropout):
                continue
            k = 1.0 - layer.p
            j = i - 1
            while j >= 0 and isinstance(layers[j], FOLDABLE):
                j -= 1
            if j >= 0 and isinstance(layers[j], nn.Linear):
                # relu(k z) = k relu(z) for k > 0: scale the whole pre-activation
                layers[j].weight.mul_(k)
                if layers[j].bias is not None:
                    layers[j].bias.mul_(k)
            elif i + 1 < len(layers) and isinstance(layers[i + 1], nn.Linear):
                layers[i + 1].weight.mul_(k)
            else:
                raise ValueError("PaperDropout must be directly followed by nn.Linear")
            served._modules[names[i]] = InvertedDropout(layer.p)
    return served
