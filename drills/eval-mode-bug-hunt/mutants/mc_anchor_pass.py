# expect-red-flags: mc-dropout-wrong-modes
# expect-failed-checks: mc-dropout
# expect-says: the dropout layer was off in 1 of 7 passes
# mistake: predict_with_uncertainty() starts the stack with one pass in full eval mode (dropout off, 'the anchor') and then samples-1 dropout passes, so one of the averaged passes has dropout off and the spread is biased low
"""Train a small classifier and use it: evaluation, prediction, MC-dropout uncertainty.

It trains and the numbers look plausible. Review it as you would a colleague's pull
request: fix every train/eval-mode bug in place, keep the model as it is.
"""

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
    """One optimisation step; returns the loss."""
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def _save(model):
    return [(module, module.training) for module in model.modules()]


def _restore(saved):
    for module, flag in saved:
        module.training = flag


def evaluate(model, inputs):
    """The logits of the trained network: deterministic, no autograd graph, batch-norm
    statistics untouched, and the model left in the mode it was in."""
    saved = _save(model)
    model.eval()
    try:
        with torch.no_grad():
            return model(inputs)
    finally:
        _restore(saved)


def predict(model, inputs):
    """The predicted class of each input."""
    saved = _save(model)
    model.eval()
    try:
        with torch.no_grad():
            return model(inputs).argmax(dim=1)
    finally:
        _restore(saved)


def predict_with_uncertainty(model, inputs, samples=20):
    """Mean and standard deviation of the class probabilities over `samples` passes with
    dropout on (MC dropout) and batch norm using its running statistics."""
    saved = _save(model)
    model.eval()
    try:
        with torch.no_grad():
            passes = [F.softmax(model(inputs), dim=1)]  # anchor: the deterministic network
            for module in model.modules():
                if isinstance(module, nn.Dropout):
                    module.train()
            passes += [F.softmax(model(inputs), dim=1) for _ in range(samples - 1)]
            probs = torch.stack(passes)
    finally:
        _restore(saved)
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
