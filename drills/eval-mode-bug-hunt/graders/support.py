"""Helpers shared by the eval-mode graders."""

import copy
from contextlib import contextmanager

import torch
from torch import nn

FEATURES, CLASSES = 8, 3


def data(n, seed=5):
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(CLASSES, FEATURES, generator=torch.Generator().manual_seed(3)) * 2
    targets = torch.randint(0, CLASSES, (n,), generator=generator)
    return centres[targets] + torch.randn(n, FEATURES, generator=generator), targets


def of_type(model, kind):
    return [m for m in model.modules() if isinstance(m, kind)]


@contextmanager
def spy(model):
    """Record what the model's layers did while a candidate's function ran: for every
    forward call of a dropout or batch-norm layer, whether it ran in training mode
    ("dropout", "batchnorm"); the rows each dropout call sampled ("dropout_rows", 0 for a
    call in eval mode); and, for
    every module, whether its output joined an autograd graph ("graph")."""
    seen = {"dropout": [], "batchnorm": [], "graph": [], "dropout_rows": []}

    def graph(module, args, out):
        if isinstance(out, torch.Tensor):
            seen["graph"].append(out.requires_grad)

    # every module, not just the root: a candidate may call model.forward() directly
    handles = [module.register_forward_hook(graph) for module in model.modules()]
    for kind, name in ((nn.modules.dropout._DropoutNd, "dropout"),
                       (nn.modules.batchnorm._BatchNorm, "batchnorm")):
        for module in of_type(model, kind):
            handles.append(module.register_forward_pre_hook(
                lambda m, args, name=name: seen[name].append(m.training)))
    for module in of_type(model, nn.modules.dropout._DropoutNd):
        handles.append(module.register_forward_pre_hook(lambda m, args: seen["dropout_rows"].append(
            int(args[0].shape[0]) if args[0].dim() and m.training else 0)))
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def bn_state(model):
    return {k: v.clone() for k, v in model.state_dict().items()
            if "running" in k or "num_batches" in k}


def same_state(before, after):
    return all(torch.equal(before[k], after[k]) for k in before)


def modes(model):
    return [m.training for m in model.modules()]


def changed_modes(model, before):
    """'name' was -> is, for every module whose mode differs from `before`."""
    return [f"'{name or 'the model itself'}' {'training' if was else 'eval'} -> "
            f"{'training' if module.training else 'eval'}"
            for (name, module), was in zip(model.named_modules(), before) if module.training != was]


SETTINGS = ("p", "momentum", "eps", "track_running_stats", "affine", "inplace")


def settings(model):
    """Each layer's hyperparameters: a function that uses the model must give it back as
    it found it (dropout's p, batch norm's momentum, ...)."""
    return {(name, key): getattr(module, key) for name, module in model.named_modules()
            for key in SETTINGS if hasattr(module, key)}


def changed_settings(model, before):
    now = settings(model)
    return [f"'{name}'.{key} {before[(name, key)]!r} -> {now.get((name, key))!r}"
            for (name, key) in before if now.get((name, key)) != before[(name, key)]]


def reference_mc(model, inputs, passes=400):
    """MC dropout done by the grader on a copy: dropout sampling, batch norm on its
    running statistics; the mean and standard deviation of the class probabilities."""
    twin = copy.deepcopy(model).eval()
    for module in of_type(twin, nn.modules.dropout._DropoutNd):
        module.train()
    generator_state = torch.get_rng_state()
    torch.manual_seed(1234)
    with torch.no_grad():
        probs = torch.stack([torch.softmax(twin(inputs), dim=1) for _ in range(passes)])
    torch.set_rng_state(generator_state)
    return probs.mean(dim=0), probs.std(dim=0)


def reference_model():
    """The handed-out build_model: the fix must not change it."""
    return nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3),
                         nn.Linear(32, 3))


def deterministic_logits(model, inputs):
    twin = copy.deepcopy(model).eval()
    with torch.no_grad():
        return twin(inputs)


def put_in(model, start):
    """Put the model in the caller's mode the check starts from: "train" or "eval"."""
    model.train(start == "train")
    return modes(model)


def bn_change(before, after):
    """What changed in batch norm's buffers, in words (None when nothing did)."""
    moved = [k for k in before if not torch.equal(before[k], after[k])]
    if not moved:
        return None
    if all(k.endswith("num_batches_tracked") for k in moved):
        return ("batch norm ran in training mode (its num_batches_tracked counter moved), so "
                "it normalised with the batch's own statistics")
    return "batch norm's running statistics were updated with the batch it was given"
