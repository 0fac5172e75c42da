# solution (borderline by design): no torch.no_grad() at all; the helpers switch requires_grad off on every parameter (and back in finally), so the forward records no graph for ordinary inputs; modes snapshot/restored per module
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


class _Frozen:
    """Every parameter's requires_grad off, every module's flag remembered; both restored."""

    def __init__(self, model, dropout_on=False):
        self.model, self.dropout_on = model, dropout_on

    def __enter__(self):
        self.grads = [(p, p.requires_grad) for p in self.model.parameters()]
        self.modes = [(m, m.training) for m in self.model.modules()]
        for p, _ in self.grads:
            p.requires_grad_(False)
        for m, _ in self.modes:
            m.training = self.dropout_on and isinstance(m, nn.Dropout)

    def __exit__(self, *exc):
        for p, flag in self.grads:
            p.requires_grad_(flag)
        for m, flag in self.modes:
            m.training = flag
        return False


def evaluate(model, inputs):
    """The logits of the trained network: deterministic, no autograd graph, batch-norm
    statistics untouched, and the model left in the mode it was in."""
    with _Frozen(model):
        return model(inputs.detach())


def predict(model, inputs):
    """The predicted class of each input."""
    with _Frozen(model):
        return model(inputs.detach()).argmax(dim=1)


def predict_with_uncertainty(model, inputs, samples=20):
    """Mean and standard deviation of the class probabilities over `samples` passes with
    dropout on (MC dropout) and batch norm using its running statistics."""
    with _Frozen(model, dropout_on=True):
        probs = torch.stack([F.softmax(model(inputs.detach()), dim=1) for _ in range(samples)])
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
