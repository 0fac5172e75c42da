"""Helpers shared by the inverted-scaling graders."""

import math

import torch
from torch import nn

SIGMAS = 6.0
N = 1 << 20


def half_width(var, n):
    return SIGMAS * math.sqrt(var / n)


def behaviour(layer, p, value=1.5):
    """What a layer does to a constant input: fraction dropped and survivor factor in
    training mode; factor and randomness in eval mode."""
    x = torch.full((N,), value)
    layer.train()
    y = layer(x.clone())
    kept = y != 0
    dropped = float((~kept).double().mean())
    factors = (y[kept].double() / value) if kept.any() else torch.ones(1, dtype=torch.float64)
    layer.eval()
    first, second = layer(x[:4096].clone()), layer(x[:4096].clone())
    eval_factors = first.double() / value
    return {
        "dropped": dropped, "train_factor": float(factors.mean()),
        "train_uniform": float(factors.max() - factors.min()) < 1e-4,
        "eval_factor": float(eval_factors.mean()),
        "eval_random": not torch.equal(first, second) or bool((first == 0).any()),
        "tolerance": half_width(p * (1 - p), N),
    }


def relu_net(p=0.4):
    return lambda dropout: nn.Sequential(nn.Linear(6, 16), nn.ReLU(), dropout(p), nn.Linear(16, 12),
                                         nn.ReLU(), dropout(p / 2), nn.Linear(12, 3))


def tanh_net(p=0.5):
    return lambda dropout: nn.Sequential(nn.Linear(6, 16), nn.Tanh(), dropout(p), nn.Linear(16, 3))


def build(shape, dropout_class):
    """The same weights every time (seeded), with bigger biases so a wrong fold shows."""
    torch.manual_seed(7)
    model = shape(dropout_class)
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.Linear):
                module.bias.uniform_(-1.0, 1.0)
    return model.eval()
