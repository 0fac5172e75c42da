# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement
# expect-says: dropout 'drop' (Dropout) feeds batch norm 'norm2'
# mistake: a hand-written batch norm whose running statistics are buffers named mu and
# sigma2, fed by a dropout; torch's running_var appears nowhere
"""A hand-written batch norm (buffers under other names) right after a dropout."""

import torch
from torch import nn


def variance_ratio(p, mean, var):
    return ((var + mean ** 2) / (1 - p) - mean ** 2) / var


class ChannelNorm(nn.Module):
    def __init__(self, channels, momentum=0.1, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("mu", torch.zeros(channels))
        self.register_buffer("sigma2", torch.ones(channels))
        self.momentum, self.eps = momentum, eps

    def forward(self, x):
        if self.training:
            mean = x.mean((0, 2, 3))
            var = x.var((0, 2, 3), unbiased=False)
            with torch.no_grad():
                self.mu.lerp_(mean, self.momentum)
                self.sigma2.lerp_(var, self.momentum)
        else:
            mean, var = self.mu, self.sigma2
        shape = (1, -1, 1, 1)
        x = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps)
        return x * self.weight.view(shape) + self.bias.view(shape)


class Net(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.drop = nn.Dropout(0.5)
        self.conv2, self.norm2 = nn.Conv2d(16, 32, 3, padding=1), ChannelNorm(32)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = torch.relu(self.norm1(self.conv1(x)))
        x = self.drop(x)
        x = torch.relu(self.norm2(self.conv2(x)))
        return self.fc(x.mean((2, 3)))


def build_model(num_classes=10):
    return Net(num_classes)
