"""MC dropout with the whole model in eval mode and the mask applied by a forward hook on
the dropout layer, removed afterwards."""

import copy
import contextlib
import functools
import torch
import torch.nn.functional as F
from torch import nn


def build_model(features=8, hidden=32, classes=3, p=0.3):
    return nn.Sequential(
        nn.Linear(features, hidden),
        nn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Dropout(p),
        nn.Linear(hidden, classes),
    )


def train_step(model, optimizer, inputs, targets):
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model, inputs):
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(inputs)
    finally:
        model.train(was)


def predict(model, inputs):
    return evaluate(model, inputs).argmax(dim=1)


def predict_with_uncertainty(model, inputs, samples=20):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.train()
    try:
        with torch.no_grad():
            probs = torch.stack([F.softmax(model(inputs), dim=1) for _ in range(samples)])
    finally:
        for m, t in modes.items():
            m.train(t)
    return probs.mean(dim=0), probs.std(dim=0)


def predict_with_uncertainty(model, inputs, samples=20):
    # eval everywhere; apply dropout's mask functionally on the dropout layer's output
    was = model.training
    drop = next(m for m in model.modules() if isinstance(m, nn.Dropout))
    model.eval()
    handle = drop.register_forward_hook(lambda mod, inp, out: F.dropout(inp[0], mod.p, True))
    try:
        with torch.no_grad():
            probs = torch.stack([F.softmax(model(inputs), dim=1) for _ in range(samples)])
    finally:
        handle.remove()
        model.train(was)
    return probs.mean(dim=0), probs.std(dim=0)


def make_data(n=512, features=8, classes=3, seed=0):
    """Three Gaussian blobs; the blobs are fixed, `seed` draws the points."""
    centres = torch.randn(classes, features, generator=torch.Generator().manual_seed(99))
    generator = torch.Generator().manual_seed(seed)
    targets = torch.randint(0, classes, (n,), generator=generator)
    inputs = centres[targets] + torch.randn(n, features, generator=generator)
    return inputs, targets


def main(epochs=5):
    torch.manual_seed(0)
    inputs, targets = make_data()
    val_inputs, val_targets = make_data(seed=1)
    model = build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        for start in range(0, len(inputs), 64):
            train_step(model, optimizer, inputs[start:start + 64], targets[start:start + 64])
        accuracy = float((predict(model, val_inputs) == val_targets).float().mean())
        print(f"epoch {epoch}: validation accuracy {accuracy:.3f}")
    mean, spread = predict_with_uncertainty(model, val_inputs[:4])
    print("MC-dropout spread of the first four predictions:", spread.max(dim=1).values)


if __name__ == "__main__":
    main()
