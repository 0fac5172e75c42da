"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: dropout only at the head, after every batch norm, in a model that also keeps
buffers of its own that move in training: a float step counter on the model and an
identity layer after the dropout that tracks a running mean of the features for
monitoring. Neither is a batch norm, so neither may be taken for one.
"""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p, mean, var):
    return ((var + mean ** 2) / (1 - p) - mean ** 2) / var


class FeatureMonitor(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.register_buffer("feature_mean", torch.zeros(channels))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.feature_mean.mul_(0.9).add_(0.1 * x.mean(0))
        return x


class Net(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.monitor = FeatureMonitor(32)
        self.fc = nn.Linear(32, num_classes)
        self.register_buffer("steps", torch.zeros(()))

    def forward(self, x):
        if self.training:
            self.steps += 1
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.dropout(x.mean((2, 3)), 0.3, self.training)
        return self.fc(self.monitor(x))


def build_model(num_classes=10):
    return Net(num_classes)
