"""The point of dropout: on a small, noisy regression task an oversized MLP memorises the
noise; with the candidate's layer at p=0.5 the train/test gap must shrink."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.harness.api import check

IN_DIM, N_TRAIN, N_TEST, HIDDEN, STEPS, LR, NOISE = 10, 30, 1000, 64, 750, 5e-3, 1.0
# gap(p=0.5) must be at most this fraction of gap(p=0). Measured for the reference over
# 200 mask seeds: the ratio averages 0.66 (sd about 0.036, worst 0.77), so 0.9 sits more
# than six standard deviations away, while a layer that never drops scores exactly 1.0.
REQUIRED_SHRINK = 0.9


def _task():
    gen = torch.Generator().manual_seed(2)
    w = torch.randn(IN_DIM, 1, generator=gen)
    x_train = torch.randn(N_TRAIN, IN_DIM, generator=gen)
    x_test = torch.randn(N_TEST, IN_DIM, generator=gen)
    y_train = x_train @ w + NOISE * torch.randn(N_TRAIN, 1, generator=gen)
    return x_train, y_train, x_test, x_test @ w  # the test targets are noise-free


EVAL_EVERY = 50


class Adam:
    """Adam with PyTorch's defaults, written out: torch.optim's first step imports the
    compiler stack (most of a second), which this check does not need."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps, self.t = lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        root_correction2 = math.sqrt(1 - self.beta2 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:  # as torch.optim does: a parameter the loss never reached
                continue
            m.lerp_(p.grad, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(p.grad, p.grad, value=1 - self.beta2)
            denominator = (v.sqrt() / root_correction2).add_(self.eps)
            p.addcdiv_(m, denominator, value=-self.lr / correction1)


def train_test_gap(dropout_cls, p, seed, curve=None):
    """Train with dropout p; return the final (train, test) losses in eval mode. If
    `curve` is a dict, it gets the eval-mode losses every EVAL_EVERY steps (for a plot)."""
    x_train, y_train, x_test, y_test = _task()
    torch.manual_seed(1)  # the same initial weights for every p
    first, last = nn.Linear(IN_DIM, HIDDEN), nn.Linear(HIDDEN, 1)
    net = nn.Sequential(first, nn.ReLU(), dropout_cls(p), last)
    optimiser = Adam(net.parameters(), lr=LR)
    torch.manual_seed(seed)
    net.train()
    for step in range(STEPS):
        loss = F.mse_loss(net(x_train), y_train)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if curve is not None and (step + 1) % EVAL_EVERY == 0:
            train, test = _evaluate(net, x_train, y_train, x_test, y_test)
            net.train()
            for key, value in (("step", step + 1), ("train", train), ("test", test)):
                curve.setdefault(key, []).append(value)
    return _evaluate(net, x_train, y_train, x_test, y_test)


def _evaluate(net, x_train, y_train, x_test, y_test):
    net.eval()
    with torch.no_grad():
        return (F.mse_loss(net(x_train), y_train).item(),
                F.mse_loss(net(x_test), y_test).item())


@check("overfit-benefit")
def test_dropout_shrinks_the_generalisation_gap(candidate, seed):
    # The baseline has no dropout layer at all: this check is about what the candidate's
    # layer buys at p=0.5, not whether it handles p=0 (p-zero-identity's job).
    train0, test0 = train_test_gap(lambda p: nn.Identity(), 0.0, seed)
    train5, test5 = train_test_gap(candidate.Dropout, 0.5, seed)
    gap0, gap5 = test0 - train0, test5 - train5
    assert gap5 <= REQUIRED_SHRINK * gap0, (
        f"train/test gap without dropout {gap0:.3f} (train {train0:.3f}, test {test0:.3f}); "
        f"with p=0.5 {gap5:.3f} (train {train5:.3f}, test {test5:.3f}): dropout did not "
        "reduce overfitting")
