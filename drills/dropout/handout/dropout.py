"""Inverted dropout, from scratch.

Fill in Dropout below. Rules of the exercise:
  * p is the probability of DROPPING an element (so 1 - p is the keep probability).
  * Use plain tensor operations: torch.nn.Dropout, torch.nn.functional.dropout and
    friends are off limits -- implementing them is the point.
  * Training mode: zero each element independently with probability p and scale the
    survivors so the expected output equals the input.
  * Eval mode (after .eval()): the layer does nothing at all.

Run `python check_dropout.py` for quick sanity checks, then `drill grade`.
"""

import torch
import torch.nn as nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        # TODO: reject a p outside [0, 1) with a ValueError, then remember p.
        self.p = p

    def forward(self, x):
        # TODO: implement inverted dropout (training vs eval mode, mask, rescale).
        raise NotImplementedError("Dropout.forward is not written yet")
