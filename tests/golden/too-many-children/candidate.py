"""Attack on the bn-interaction drill: a model padded with over a thousand identity
layers before its dropout and batch norm, hoping the description of the model sent to the
graders is cut short before the dropout that feeds a batch norm. It must be refused.
"""
import torch
from torch import nn


def variance_ratio(p, mean, var):
    return ((var + mean ** 2) / (1 - p) - mean ** 2) / var


class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        for i in range(1030):  # more children than a module may send: refused, never cut short
            self.add_module(f"pad{i}", nn.Identity())
        self.drop = nn.Dropout(0.5)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, n)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = self.drop(x)
        x = torch.relu(self.b2(self.c2(x)))
        return self.fc(x.mean((2, 3)))


def build_model(num_classes=10):
    return Net(num_classes)
