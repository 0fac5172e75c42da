# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# expect-says: dropout 'head.1' (Dropout) feeds batch norm 'head.3'
"""Batch norm kept out of the dropout's way in the features, but the head is
Dropout -> Linear -> BatchNorm1d: the dropout reaches that batch norm through the Linear."""

from torch import nn


def variance_ratio(p, mean, var):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if var <= 0:
        raise ValueError("var must be positive")
    # y = x m / (1-p), m ~ Bernoulli(1-p): E[y] = mean, E[y^2] = (var + mean^2) / (1-p)
    train_var = (var + mean ** 2) / (1.0 - p) - mean ** 2
    return train_var / var
def build_model(num_classes=10, p=0.5):
    features = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())
    head = nn.Sequential(nn.Linear(32, 64), nn.Dropout(p), nn.Linear(64, 64), nn.BatchNorm1d(64),
                         nn.ReLU(), nn.Linear(64, num_classes))
    model = nn.Sequential()
    model.add_module("features", features)
    model.add_module("head", head)
    return model
