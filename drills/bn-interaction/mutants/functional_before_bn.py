# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# expect-says: a random operation in the model's own forward (F.dropout?) feeds batch norm 'bn2'
"""F.dropout in the model's forward, between the first block and the second conv: no
dropout module anywhere, and still batch norm sees dropped units."""

import torch.nn.functional as F
from torch import nn


def variance_ratio(p, mean, var):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if var <= 0:
        raise ValueError("var must be positive")
    # y = x m / (1-p), m ~ Bernoulli(1-p): E[y] = mean, E[y^2] = (var + mean^2) / (1-p)
    train_var = (var + mean ** 2) / (1.0 - p) - mean ** 2
    return train_var / var
class Net(nn.Module):
    def __init__(self, num_classes, p):
        super().__init__()
        self.p = p
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.dropout(x, self.p, self.training)
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(x.mean(dim=(2, 3)))


def build_model(num_classes=10, p=0.5):
    return Net(num_classes, p)
