"""A module with its own forward: conv blocks in a ModuleList, F.dropout after global
pooling, on features no batch norm will see."""

import torch.nn.functional as F
from torch import nn


def variance_ratio(p, mean, var):
    # Var(y) = E[y^2] - E[y]^2 with E[y^2] = (var + mean^2)/(1-p): the shift is
    # 1 + p/(1-p) * (1 + mean^2/var)
    return 1.0 + p / (1.0 - p) * (1.0 + mean * mean / var)


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10, p=0.4):
        super().__init__()
        widths = [3, 16, 32, 32]
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU())
            for a, b in zip(widths, widths[1:]))
        self.p = p
        self.classifier = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(F.dropout(x, self.p, self.training))


def build_model(num_classes=10):
    return SmallCNN(num_classes)
