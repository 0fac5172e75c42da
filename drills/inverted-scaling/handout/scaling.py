"""Dropout's correction, in the paper's place and in the inverted place, and a converter.

Implement the three things below. `python check_scaling.py` runs quick sanity checks;
`drill grade` runs the real ones.
"""

import torch
from torch import nn


class PaperDropout(nn.Module):
    """Dropout as the 2014 paper wrote it.

    Training: zero each element independently with probability p; the survivors are
    left as they are. Inference (eval mode): no randomness; multiply every element by the
    keep probability 1 - p, so the next layer sees what it saw on average in training.
    p must be in [0, 1): raise ValueError otherwise.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("PaperDropout.forward")


class InvertedDropout(nn.Module):
    """Dropout as frameworks do it: the survivors are divided by 1 - p during training,
    and inference is the identity. p must be in [0, 1): raise ValueError otherwise."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("InvertedDropout.forward")


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    """Convert a model trained with PaperDropout for serving with InvertedDropout.

    `model` is an nn.Sequential in which every PaperDropout is directly followed by an
    nn.Linear. Return a new nn.Sequential, without changing `model`, whose eval-mode
    outputs equal `model`'s on any input, and in which no layer scales activations at
    inference: every PaperDropout becomes an InvertedDropout with the same p.
    """
    raise NotImplementedError("to_inverted")
