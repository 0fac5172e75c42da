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
    """Record, for every forward call of a dropout or batch-norm layer, whether it ran in
    training mode ({"dropout": [bool, ...], "batchnorm": [...]}), and for every call of
    the model whether autograd was recording ("grad": [...])."""
    seen = {"dropout": [], "batchnorm": [], "grad": []}
    # every module, not just the root: a candidate may call model.forward() directly
    handles = [module.register_forward_pre_hook(
        lambda m, args: seen["grad"].append(torch.is_grad_enabled())) for module in model.modules()]
    for kind, name in ((nn.modules.dropout._DropoutNd, "dropout"),
                       (nn.modules.batchnorm._BatchNorm, "batchnorm")):
        for module in of_type(model, kind):
            handles.append(module.register_forward_pre_hook(
                lambda m, args, name=name: seen[name].append(m.training)))
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


def deterministic_logits(model, inputs):
    twin = copy.deepcopy(model).eval()
    with torch.no_grad():
        return twin(inputs)


def line_of(function):
    """The line where the candidate defined `function`, to show their code beside a flag."""
    code = getattr(function, "__code__", None)
    return code.co_firstlineno if code else None


def put_in(model, start):
    """Put the model in the caller's mode the check starts from: "train" or "eval"."""
    model.train(start == "train")
    return modes(model)


def mode_name(model):
    return "training" if model.training else "eval"
