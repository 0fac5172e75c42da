"""train_step hands the optimizer a closure (optimizer.step(closure)) and returns the
loss it gives back; inference results detached and moved to the CPU."""

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

    def closure():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    return float(loss)


def evaluate(model, inputs):
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(inputs).detach().cpu()
    finally:
        model.train(was)


def predict(model, inputs):
    return evaluate(model, inputs).argmax(dim=1).cpu()


def predict_with_uncertainty(model, inputs, samples=20):
    was = model.training
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.train()
    try:
        with torch.no_grad():
            probs = torch.stack([model(inputs).softmax(-1).detach().cpu() for _ in range(samples)])
    finally:
        model.train(was)
    return probs.mean(0), probs.std(0)


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
