"""Helpers shared by the inverted-scaling graders."""

import ast
import math

import torch
from torch import nn

from grader.harness.api import function_line, method_line, source_tree, type_name, type_of

SIGMAS = 6.0
N = 1 << 20


def half_width(var, n):
    return SIGMAS * math.sqrt(var / n)


def behaviour(layer, p, value=1.5):
    """What a layer does to a constant input: fraction dropped and survivor factor in
    training mode; factor and randomness in eval mode."""
    # varied positive values: a layer that only drops when every element is equal (a
    # constant probe) must not pass for one
    x = value * (0.5 + torch.rand(N, generator=torch.Generator().manual_seed(17)))
    layer.train()
    y = layer(x.clone())
    kept = y != 0
    dropped = float((~kept).double().mean())
    factors = ((y[kept].double() / x[kept].double()) if kept.any()
               else torch.ones(1, dtype=torch.float64))
    layer.eval()
    first, second = layer(x[:4096].clone()), layer(x[:4096].clone())
    eval_factors = first.double() / x[:4096].double()
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


def leaky_net(p=0.3):
    # the Linear after the dropout has no bias: the brief promises a Linear, not a bias
    return lambda dropout: nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.1), dropout(p),
                                         nn.Linear(16, 3, bias=False))


def input_dropout_net(p=0.2):
    # a dropout on the input, with no layer before it to fold into
    return lambda dropout: nn.Sequential(dropout(p), nn.Linear(6, 16), nn.ReLU(), dropout(0.5),
                                         nn.Linear(16, 3))


def gelu_net(p=0.4):
    return lambda dropout: nn.Sequential(nn.Linear(6, 16), nn.GELU(), dropout(p), nn.Linear(16, 3))


def elu_net(p=0.25):
    return lambda dropout: nn.Sequential(nn.Linear(6, 16), nn.ELU(), dropout(p), nn.Linear(16, 3))


def build(shape, dropout_class):
    """The same weights every time (seeded), with bigger biases so a wrong fold shows."""
    torch.manual_seed(7)
    model = shape(dropout_class)
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.uniform_(-1.0, 1.0)
    return model.eval()


# Positively homogeneous activations (a fold may move back through them) and smooth ones
# (it may not): each conversion check tries one of each kind the candidate might special-case.
NETWORKS = {"ReLU": relu_net(), "LeakyReLU": leaky_net(), "input-dropout": input_dropout_net(),
            "tanh": tanh_net(), "GELU": gelu_net(), "ELU": elu_net()}


def keep_of(layer):
    return 1.0 - layer.p


def names_of(model):
    """Each module of the candidate's model under the name the model gives it."""
    return {module: (name or "the model itself") for name, module in model.named_modules()}


def describe(model):
    parts = []
    for module in model:
        if isinstance(module, nn.Linear):
            parts.append(f"Linear({module.in_features}, {module.out_features})")
        elif hasattr(module, "p"):
            parts.append(f"{type_name(module)}(p={module.p:g})")
        else:
            parts.append(type_name(module))
    return " -> ".join(parts)


def positively_homogeneous(module, k):
    """f(k z) == k f(z) for this k > 0: the activations a scale can move through."""
    z = torch.linspace(-4.0, 4.0, 161)
    with torch.no_grad():
        return torch.allclose(module(k * z), k * module(z), atol=1e-6)


def class_level(candidate, module):
    """True when `module` is an InvertedDropout that behaves as a fresh
    InvertedDropout(module.p) of the candidate's class does, in both modes and on the same
    random draws: whatever it does at inference is the class's doing (judged by the
    inverted-* checks), not something to_inverted added to this instance. Judged by
    behaviour, so it holds whichever process the layer lives in."""
    if type_of(module) is not candidate.InvertedDropout:
        return False
    try:
        fresh = candidate.InvertedDropout(module.p)
    except Exception:
        return False
    probe = torch.linspace(-2.0, 2.0, 96).reshape(6, 16)
    state, was = torch.get_rng_state(), module.training
    try:
        for training in (False, True):
            outputs = []
            for layer in (module, fresh):
                layer.train(training)
                torch.manual_seed(11)
                with torch.no_grad():
                    outputs.append(layer(probe.clone()))
            if not (isinstance(outputs[0], torch.Tensor) and isinstance(outputs[1], torch.Tensor)
                    and outputs[0].shape == outputs[1].shape and torch.equal(*outputs)):
                return False
        return True
    except Exception:
        return False
    finally:
        module.train(was)
        torch.set_rng_state(state)


def _run_with(model, x, replace):
    """model(x) in eval mode, each module in `replace` giving replace[m](its input) instead
    of its own output. The input is copied before the module runs, so a module that
    edits its input in place cannot spoil what it is replaced by."""
    seen, handles = {}, []
    for module, instead in replace.items():
        handles.append(module.register_forward_pre_hook(
            lambda m, args: seen.__setitem__(m, args[0].detach().clone())))
        handles.append(module.register_forward_hook(
            lambda m, args, out, instead=instead: instead(m, seen[m])))
    try:
        with torch.no_grad():
            return model.eval()(x)
    finally:
        for handle in handles:
            handle.remove()


def ideal_outputs(candidate, trained, x):
    """The trained model's eval outputs as the paper defines them: each PaperDropout
    multiplies by 1-p, so a flaw in the candidate's PaperDropout does not count here."""
    return _run_with(trained, x, {m: (lambda module, given: given * (1.0 - module.p))
                                  for m in trained.modules() if isinstance(m, candidate.PaperDropout)})


def served_outputs(candidate, converted, x):
    """The converted model's eval outputs, with every plain InvertedDropout taken to be the
    identity it should be: a flaw of the class is charged once, by the inverted-* checks."""
    return _run_with(converted, x, {m: (lambda module, given: given)
                                    for m in converted.modules() if class_level(candidate, m)})


def to_inverted_line(candidate):
    return function_line(candidate, "to_inverted")


def fold_line(candidate, attribute):
    """The first line of the candidate's file that touches `attribute` (e.g. a bias), else
    to_inverted itself."""
    parsed = source_tree(candidate)
    if parsed is None:
        return to_inverted_line(candidate)
    tree = parsed[0]
    hits = sorted(node.lineno for node in ast.walk(tree)
                  if (isinstance(node, ast.Attribute) and node.attr == attribute) or
                  (isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and node.value.endswith(attribute) and len(node.value) < 40))
    return hits[0] if hits else to_inverted_line(candidate)


def forward_line(candidate, class_name):
    """Where the candidate's class defines its forward (read from the source)."""
    return method_line(candidate, class_name, "forward")
