"""Helpers shared by the bn-interaction graders: where a model's training-time randomness
flows, and how far batch norm's running variance ends up from what it sees at inference.
Dropout is recognised by what it does (random in training, nothing at inference), so
nn.Dropout, F.dropout in a forward and a hand-written layer are judged alike."""

import torch
from torch import nn

BATCHNORM = nn.modules.batchnorm._BatchNorm


def _tensor(value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return value[0]
    return None


def _names(model):
    return {module: name for name, module in model.named_modules()}


def _record(model, modules, x, seed, replace=None):
    """One training-mode pass: every call's input and output of `modules`, in call order.
    `replace` maps a module to the outputs to give it instead, call by call."""
    seen = {m: {"in": [], "out": []} for m in modules}
    handles = []
    for module in modules:
        def hook(m, args, out):
            calls = seen[m]
            calls["in"].append(_tensor(args))
            if replace and m in replace and len(calls["out"]) < len(replace[m]):
                out = replace[m][len(calls["out"])]
            calls["out"].append(_tensor(out))
            return out
        handles.append(module.register_forward_hook(hook))
    torch.manual_seed(seed)
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return seen


def _differ(a, b):
    if len(a) != len(b):
        return True
    return any((u is None) != (v is None) or (u is not None and (u.shape != v.shape or
               not torch.equal(u, v))) for u, v in zip(a, b))


def random_sources(model, x):
    """The modules that draw randomness in training mode, found by behaviour: the same
    input twice, a different output. Only the innermost ones (a block is not a source
    because its dropout is). The model itself counts when its own forward is random."""
    model.train()
    modules = list(model.modules())
    first, second = _record(model, modules, x, 1), _record(model, modules, x, 2)
    # call by call: a dropout module reused after every block sees changed inputs on its
    # later calls, but its first call already shows it draws randomness of its own
    found = [m for m in modules if any(
        not _differ([a], [b]) and _differ([c], [d]) for a, b, c, d in
        zip(first[m]["in"], second[m]["in"], first[m]["out"], second[m]["out"]))]
    return [m for m in found if not any(d in found for d in m.modules() if d is not m)]


def dropout_feeding_bn(model, x):
    """(source, batch norm) names where randomness drawn in training mode reaches the batch
    norm's input, directly or through any layers: each source is left random alone, the
    others replaced by what they gave in a reference pass."""
    norms = [m for m in model.modules() if isinstance(m, BATCHNORM)]
    sources = random_sources(model, x)
    if not norms or not sources:
        return []
    name = _names(model)
    reference = _record(model, sources + norms, x, 1)
    pairs = []
    for source in sources:
        frozen = {s: reference[s]["out"] for s in sources if s is not source}
        trial = _record(model, sources + norms, x, 2, replace=frozen)
        for norm in norms:
            if _differ(reference[norm]["in"], trial[norm]["in"]):
                pairs.append((describe_source(source, name, model), name[norm]))
    return pairs


def describe_source(module, name, model):
    if module is model:
        return "a random operation in the model's own forward (F.dropout?)"
    kind = type(module).__name__
    if list(module.children()):
        return f"a dropout inside '{name[module]}' ({kind}'s forward)"
    return f"dropout '{name[module]}' ({kind})"


def eval_is_deterministic(model, x):
    model.eval()
    with torch.no_grad():
        torch.manual_seed(1)
        first = model(x)
        torch.manual_seed(2)
        return torch.equal(first, model(x))


def images(n, seed):
    generator = torch.Generator().manual_seed(seed)
    # positive channel means: dropout inflates the variance most when the mean is large
    offsets = torch.tensor([1.5, -1.0, 0.5]).view(1, 3, 1, 1)
    return torch.randn(n, 3, 16, 16, generator=generator) + offsets


def stats_mismatch(model):
    """Mean relative gap between each batch norm's running variance (gathered in
    training mode) and the variance of what reaches it at inference."""
    torch.manual_seed(3)
    norms = [m for m in model.modules() if isinstance(m, BATCHNORM)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None            # a plain average over every training batch
    model.train()
    with torch.no_grad():
        for batch in range(40):
            model(images(64, 100 + batch))
    seen = {}
    handles = [norm.register_forward_pre_hook(
        lambda m, args: seen.__setitem__(m, args[0].detach())) for norm in norms]
    model.eval()
    try:
        with torch.no_grad():
            model(images(512, 7))
    finally:
        for handle in handles:
            handle.remove()
    gaps = []
    for norm in norms:
        x = seen[norm]
        dims = [d for d in range(x.dim()) if d != 1]
        actual = x.var(dim=dims, unbiased=False)
        gaps.append(float((norm.running_var / actual - 1).abs().mean()))
    return sum(gaps) / len(gaps)


def bad_placement(num_classes=10, p=0.5):
    """The network to beat: dropout right before each batch norm."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.Dropout(p), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.Dropout(p), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes),
    )
