# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# mistake: auxiliary head uses Dropout2d(inplace=True) on the trunk's feature map; the in-place write also corrupts the tensor the next conv-BN reads
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


class Net(nn.Module):
    def __init__(self, num_classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.aux_drop = nn.Dropout2d(0.3, inplace=True)   # in place "to save memory"
        self.aux_fc = nn.Linear(32, num_classes)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x1 = F.avg_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        aux = self.aux_fc(self.aux_drop(x1).mean((2, 3)))      # deep supervision head
        x2 = F.relu(self.bn2(self.conv2(x1)))                  # x1 was overwritten above
        return self.fc(x2.mean((2, 3))) + 0.3 * aux


def build_model(num_classes: int = 10) -> nn.Module:
    return Net(num_classes)
