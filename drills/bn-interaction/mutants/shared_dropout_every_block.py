# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# expect-says: dropout 'layers.drop' (Dropout) feeds batch norms 'blocks.1.1' and 'blocks.2.1'
# mistake: one shared Dropout applied after every block of a ModuleList loop, so it also feeds the later blocks' BNs
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return 1.0 / (1.0 - p) + (p / (1.0 - p)) * mean ** 2 / var


class Net(nn.Module):
    def __init__(self, num_classes: int = 10, widths=(3, 32, 64, 64)):
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU())
            for a, b in zip(widths[:-1], widths[1:])
        )
        self.layers = nn.ModuleDict({"drop": nn.Dropout(0.2), "fc": nn.Linear(widths[-1], num_classes)})

    def forward(self, x):
        for block in self.blocks:
            x = self.layers["drop"](block(x))
        return self.layers["fc"](x.mean(dim=(2, 3)))


def build_model(num_classes: int = 10) -> nn.Module:
    return Net(num_classes)
