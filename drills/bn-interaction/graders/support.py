"""Helpers shared by the bn-interaction graders: where a model's training-time randomness
flows, and how far batch norm's running variance ends up from what it sees at inference.
Dropout is recognised by what it does (random in training, nothing at inference), so
nn.Dropout, F.dropout in a forward and a hand-written layer are judged alike."""

import torch
from torch import nn

from grader.harness.api import type_name

BATCHNORM = nn.modules.batchnorm._BatchNorm
ZEROED = 0.001  # the share of units a dropout must zero to count as one


def is_batch_norm(module):
    """torch's batch norms, and a hand-written one: a module keeping a running variance."""
    return isinstance(module, BATCHNORM) or isinstance(getattr(module, "running_var", None),
                                                       torch.Tensor)


def _tensor(value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return value[0]
    return None


def _copy(value):
    value = _tensor(value)
    return value.detach().clone() if value is not None else None


def _names(model):
    return {module: name for name, module in model.named_modules()}


def _record(model, modules, x, seed, replace=None, inspect=None):
    """One training-mode pass, with autograd on as in a real training step and from the
    same starting state every time (a stateful layer is not random): every call's input
    (copied before the module runs, so an in-place module cannot hide it) and output of
    `modules`, in call order. `replace` maps a module to the outputs to give it instead;
    `inspect` is called after the pass, before the state is put back."""
    seen = {m: {"in": [], "out": []} for m in modules}
    handles = []
    for module in modules:
        def before(m, args):
            seen[m]["in"].append(_copy(args))

        def after(m, args, out):
            calls = seen[m]
            if replace and m in replace and len(calls["out"]) < len(replace[m]):
                out = replace[m][len(calls["out"])].clone()
            calls["out"].append(_copy(out))
            return out
        handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(seed)
    try:
        with torch.enable_grad():
            model.train()(x)
        if inspect is not None:
            inspect()
    finally:
        for handle in handles:
            handle.remove()
        try:
            model.load_state_dict(state)
        except Exception:  # an unusual module's state: the next pass starts from where it is
            pass
    return seen


def _differ(a, b):
    if len(a) != len(b):
        return True
    return any((u is None) != (v is None) or (u is not None and (u.shape != v.shape or
               not torch.equal(u, v))) for u, v in zip(a, b))


def _zeroes_units(*passes):
    """A layer with the same input and output shape drops units when it sets some of
    them to zero: a random flip or added noise is random without dropping anything."""
    for calls in passes:
        for given, out in zip(calls["in"], calls["out"]):
            if given is None or out is None or given.shape != out.shape:
                return True  # a reshaping layer: cannot tell, so it may be a dropout
            if float(((out == 0) & (given != 0)).double().mean()) >= ZEROED:
                return True
    return False


def _is_dropout(module, model, passes):
    if module is model or list(module.children()):
        return True  # randomness inside a forward: a block's or the model's own
    return isinstance(module, nn.modules.dropout._DropoutNd) or _zeroes_units(*passes)


def _random_layers(model, x):
    """The innermost modules that draw randomness in training mode, found by behaviour:
    given the same input and the same state, a different output. Found in rounds: the
    layers found so far are held to a reference pass's outputs, so a dropout after a
    random flip shows too. Returns them with the reference pass and, for each, both
    passes that told it apart (what it did in them says whether it drops units)."""
    _materialise(model)
    modules = list(model.modules())
    reference = _record(model, modules, x, 1)
    found, passes = [], {}
    while True:
        trial = _record(model, modules, x, 2, replace={m: reference[m]["out"] for m in found})
        # call by call: a dropout module reused after every block sees changed inputs on
        # its later calls, but its first call already shows it draws randomness of its own
        differ = [m for m in modules if m not in found and any(
            not _differ([a], [b]) and _differ([c], [d]) for a, b, c, d in
            zip(reference[m]["in"], trial[m]["in"], reference[m]["out"], trial[m]["out"]))]
        union = set(found) | set(differ)
        new = [m for m in differ if not any(d in union for d in m.modules() if d is not m)]
        if not new:
            return found, reference, passes
        found += new
        passes.update({m: [reference[m], trial[m]] for m in new})


def _materialise(model):
    """Run lazy layers once, so their parameters exist before any state is copied."""
    if any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters()):
        with torch.no_grad():
            model.eval()(torch.zeros(2, 3, 16, 16))


def _mode_droppers(model, x, reference, known):
    """Layers that zero units in training mode but not in eval mode, given the same input:
    a dropout whose mask is not drawn from torch's generator (seeded from a hash of the
    input, a counter) is the same under any reseed, yet it is still a dropout. Returns,
    for each, what it gives in eval mode for each of its reference calls."""
    found = {}
    for module in model.modules():
        if module is model or module in known or list(module.children()) or is_batch_norm(module):
            continue
        calls = reference.get(module, {"in": [], "out": []})
        for given, out in zip(calls["in"], calls["out"]):
            if given is None or out is None or given.shape != out.shape:
                continue
            if float(((out == 0) & (given != 0)).double().mean()) < ZEROED:
                continue
            found[module] = [_eval_output(module, g) for g in calls["in"]]
            if any(e is None or float(((e == 0) & (g != 0)).double().mean()) >= ZEROED
                   for e, g in zip(found[module], calls["in"])):
                del found[module]  # it zeroes in eval mode as well: an activation, not a dropout
            break
    return found


def _eval_output(module, given):
    if given is None:
        return None
    was = module.training
    try:
        module.eval()
        with torch.no_grad():
            return _copy(module(given.clone()))
    except Exception:
        return None
    finally:
        module.train(was)


def random_sources(model, x):
    """The dropouts of the model: the random layers that zero units (a random flip is
    random without dropping anything), torch's dropout layers, randomness inside a
    block's or the model's own forward, and layers that zero units only in training mode."""
    found, reference, passes = _random_layers(model, x)
    sources = [m for m in found if _is_dropout(m, model, passes[m])]
    return sources + list(_mode_droppers(model, x, reference, set(found)))


def stateful_layers(model, x):
    """Batch norms: torch's, any module keeping a running_var, and, by behaviour, a module
    whose floating-point buffers a training-mode pass moves and whose output in eval mode
    differs from its output in training mode on the same input (running statistics under
    any name in a hand-written batch norm). A module that only watches what passes through
    it (an identity keeping an average) is not one."""
    found = [m for m in model.modules() if is_batch_norm(m)]
    # the model itself is left out: its own buffers may be any bookkeeping, and its
    # output differs by mode whenever its forward holds a dropout
    kept = {m: [b.detach().clone() for b in m.buffers(recurse=False) if b.is_floating_point()]
            for m in list(model.modules())[1:] if m not in found}
    kept = {m: held for m, held in kept.items() if held}
    moved = []

    def look():
        moved.extend(m for m, held in kept.items() if _moved(m, held))

    if not kept:
        return found
    seen = _record(model, list(kept), x, 1, inspect=look)
    for module in moved:
        calls = seen[module]
        if any(given is not None and out is not None and not _same(_eval_output(module, given), out)
               for given, out in zip(calls["in"], calls["out"])):
            found.append(module)
    return found


def _moved(module, held):
    now = [b for b in module.buffers(recurse=False) if b.is_floating_point()]
    return len(now) != len(held) or any(a.shape != b.shape or not torch.equal(a.detach(), b)
                                        for a, b in zip(now, held))


def _same(a, b):
    return a is not None and b is not None and a.shape == b.shape and torch.allclose(a, b)


def dropout_feeding_bn(model, x):
    """(source, batch norm) names where a dropout's randomness reaches the batch norm's
    input, directly or through any layers: each dropout is left random alone, every other
    random layer held to what it gave in a reference pass."""
    randoms, reference, passes = _random_layers(model, x)
    norms = stateful_layers(model, x)
    sources = [m for m in randoms if _is_dropout(m, model, passes[m])]
    # a layer that drops the same units under any seed: its eval-mode outputs stand in for
    # "not dropping", and the batch norms' inputs are compared with and without them
    droppers = _mode_droppers(model, x, reference, set(randoms))
    if not norms or not (sources or droppers):
        return []
    name = _names(model)
    pairs = []
    for source in sources + list(droppers):
        frozen = {s: reference[s]["out"] for s in randoms if s is not source}
        if source in droppers:
            frozen[source] = droppers[source]
        seed = 1 if source in droppers else 2
        watched = list(dict.fromkeys(randoms + list(droppers) + norms))
        trial = _record(model, watched, x, seed, replace=frozen)
        for norm in norms:
            if norm is source:
                # the model's own forward both draws and normalises (F.dropout, then
                # F.batch_norm on its running_var): no hook sits between, so it counts
                pairs.append((describe_source(source, name, model), name[norm]))
            elif _differ(reference[norm]["in"], trial[norm]["in"]):
                pairs.append((describe_source(source, name, model), name[norm]))
    return pairs


def describe_source(module, name, model):
    if module is model:
        return "a random operation in the model's own forward (F.dropout?)"
    kind = type_name(module)
    if list(module.children()):
        return f"a dropout inside '{name[module]}' ({kind}'s forward)"
    if isinstance(module, nn.modules.dropout._DropoutNd) or "drop" in kind.lower():
        return f"dropout '{name[module]}' ({kind})"
    return f"'{name[module]}' ({kind}, which zeroes units at random in training mode)"


def eval_is_deterministic(model, x):
    """Two eval-mode passes agree, with autograd on as well as off."""
    model.eval()
    for grad in (False, True):
        with torch.set_grad_enabled(grad):
            torch.manual_seed(1)
            first = model(x)
            torch.manual_seed(2)
            if not torch.equal(first, model(x)):
                return False
    return True


def images(n, seed):
    generator = torch.Generator().manual_seed(seed)
    # positive channel means: dropout inflates the variance most when the mean is large
    offsets = torch.tensor([1.5, -1.0, 0.5]).view(1, 3, 1, 1)
    return torch.randn(n, 3, 16, 16, generator=generator) + offsets


def stats_mismatch(model, grad=True):
    """The largest relative gap, over the model's batch norms, between a batch norm's
    running variance (gathered in training mode, autograd on as in real training) and the
    variance of what reaches it at inference: one badly fed batch norm is not diluted by
    the clean ones. A batch norm without running statistics uses the batch's own at
    inference, so it cannot be out of date."""
    torch.manual_seed(3)
    with torch.no_grad():
        model.eval()(images(2, 99))  # materialise lazy layers before touching their buffers
    norms = [m for m in model.modules() if isinstance(m, BATCHNORM) and m.running_var is not None]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None            # a plain average over every training batch
    model.train()
    with torch.set_grad_enabled(grad):  # the candidate's as in real training; ours needs no graph
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
    gaps = [0.0]
    names = _names(model)
    for norm in norms:
        x = seen.get(norm)
        if x is None:  # its statistics cannot be compared with what it never received
            raise AssertionError(
                f"batch norm '{names.get(norm, '?')}' is never called as a layer at inference "
                "(bypassed, or used through its tensors directly), so whether its running "
                "statistics fit cannot be measured: call it as a module, e.g. self.bn(x)")
        dims = [d for d in range(x.dim()) if d != 1]
        actual = x.var(dim=dims, unbiased=False)
        gaps.append(float((norm.running_var / actual - 1).abs().mean()))
    return max(gaps)


def bad_placement(num_classes=10, p=0.5):
    """The network to beat: dropout right before each batch norm."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.Dropout(p), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.Dropout(p), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes),
    )
