"""Converting a model trained with the paper's dropout for an inverted-dropout server.

Each check judges to_inverted alone: the trained model's outputs are the paper's (every
PaperDropout multiplies by 1-p at inference, whatever the candidate's class does), and a
flaw of the InvertedDropout class itself (charged by the inverted-* checks) is not charged
again here. A red flag about the fold is raised only where the converted network is
actually wrong, judged on that network's outputs.
"""

import copy

import pytest
import torch
from torch import nn

from grader.harness.api import check, red_flag, type_name, type_of
from support import (NETWORKS, build, class_level, describe, fold_line, ideal_outputs, keep_of,
                     names_of, positively_homogeneous, served_outputs, to_inverted_line)


def _convert(candidate, network):
    original = build(NETWORKS[network], candidate.PaperDropout)
    kept = copy.deepcopy(original)
    converted = candidate.to_inverted(original)
    assert isinstance(converted, nn.Module), "to_inverted should return the converted model"
    return kept, original, converted.eval()


def _linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _fold_flags(candidate, network, kept, converted):
    """Name what went wrong in a conversion whose outputs are wrong: a bias scaled with
    the weights, the factor moved back through an activation that does not commute with
    it, folded twice, or p folded instead of 1-p. Layers are named as the candidate's
    converted model names them."""
    before, after = _linears(kept), _linears(converted)
    if len(before) != len(after):
        return
    layers, name = list(kept), names_of(converted)
    where = f"in the {network} network ({describe(kept)})"
    scaled_bias, through, twice, with_p = [], [], [], []
    for position, layer in enumerate(layers):
        if not isinstance(layer, candidate.PaperDropout):
            continue
        keep, p = keep_of(layer), layer.p
        nxt = next((m for m in layers[position + 1:] if isinstance(m, nn.Linear)), None)
        previous = [m for m in layers[:position] if isinstance(m, nn.Linear)]
        forward = back = False
        if nxt is not None:
            new = after[before.index(nxt)]
            forward = torch.allclose(new.weight, nxt.weight * keep, atol=1e-6)
            if (nxt.bias is not None and new.bias is not None and
                    not torch.allclose(nxt.bias, nxt.bias * keep) and
                    new.bias.shape == nxt.bias.shape and
                    torch.allclose(new.bias, nxt.bias * keep, atol=1e-6)):
                scaled_bias.append(f"'{name[new]}' (after the dropout with p={p:g})")
            if abs(p - 0.5) > 1e-9 and torch.allclose(new.weight, nxt.weight * p, atol=1e-6):
                with_p.append(f"'{name[new]}' (weights x{p:g} for the dropout with p={p:g})")
        if previous:
            old = previous[-1]
            between = layers[layers.index(old) + 1:position]
            new = after[before.index(old)]
            back = torch.allclose(new.weight, old.weight * keep, atol=1e-6)
            if back and not all(positively_homogeneous(m, keep) for m in between):
                acts = ", ".join(type_name(m) for m in between) or "nothing"
                through.append(f"'{name[new]}' (before the {acts} and the dropout with p={p:g})")
        if forward and back:
            twice.append(f"'{name[after[before.index(previous[-1])]]}' and "
                         f"'{name[after[before.index(nxt)]]}' (around the dropout with p={p:g})")
    if scaled_bias:
        red_flag("bias-scaled", f"{where}, {_linear_names(scaled_bias)} of your converted model "
                 f"had {'its bias' if len(scaled_bias) == 1 else 'their biases'} multiplied by "
                 "1-p as well as the weights", line=fold_line(candidate, "bias"))
    if through:
        red_flag("fold-through-nonlinearity", f"{where}, {_linear_names(through)} of your "
                 "converted model took the keep probability, moving it back through an "
                 "activation it does not commute with", line=to_inverted_line(candidate))
    if twice:
        red_flag("double-scaling", f"{where}, the keep probability was folded twice, into "
                 f"both Linears {'; '.join(twice)}: the served activations are scaled by "
                 "(1-p)^2", line=to_inverted_line(candidate))
    if with_p:
        red_flag("keep-drop-confusion", f"{where}, {_linear_names(with_p)} of your converted "
                 "model took p, the drop probability, where the keep probability 1-p belongs",
                 line=to_inverted_line(candidate))


def _hints(candidate, kept, converted):
    """Name the common slips behind a wrong conversion: the weights divided by 1-p instead
    of multiplied, or a bias where the trained Linear had none."""
    before, after = _linears(kept), _linears(converted)
    if len(before) != len(after):
        return ""
    name = names_of(converted)
    for position, layer in enumerate(kept):
        if not isinstance(layer, candidate.PaperDropout):
            continue
        nxt = next((m for m in list(kept)[position + 1:] if isinstance(m, nn.Linear)), None)
        new = after[before.index(nxt)] if nxt is not None else None
        if new is None or new.weight.shape != nxt.weight.shape:
            continue
        if torch.allclose(new.weight, nxt.weight / keep_of(layer), atol=1e-6):
            return (f"; Linear '{name[new]}' had its weights divided by 1-p: the next layer "
                    "saw (1-p) times the activations, so its weights take the factor, not "
                    "its inverse")
        if nxt.bias is None and new.bias is not None and bool(new.bias.abs().sum() > 0):
            return (f"; Linear '{name[new]}' has a bias the trained layer did not have "
                    "(a rebuilt nn.Linear gets bias=True and a random one by default)")
    return ""


def _linear_names(parts):
    return ("Linear " if len(parts) == 1 else "Linears ") + " and ".join(parts)


def _judge_conversion(candidate, network):
    kept, _, converted = _convert(candidate, network)
    _dtype_flag(candidate, network, kept, converted)
    x = torch.randn(256, 6)
    want = ideal_outputs(candidate, kept, x.clone())  # a clone each: an in-place layer
    got = served_outputs(candidate, converted, x.clone())  # must not change the other's input
    if not torch.allclose(got, want, rtol=1e-4, atol=1e-5):
        _fold_flags(candidate, network, kept, converted)
        raise AssertionError(
            f"the converted {network} network's eval outputs differ from the original's by "
            f"up to {float((got - want).abs().max()):.4f}" + _hints(candidate, kept, converted))


def _dtype_flag(candidate, network, kept, converted):
    want = {p.dtype for p in kept.parameters()}
    changed = sorted({f"'{name}' ({str(p.dtype)[6:]})" for name, p in converted.named_parameters()
                      if p.dtype not in want})
    if changed:
        red_flag("dtype-changed", f"the {network} network's parameters were "
                 f"{', '.join(str(d)[6:] for d in want)}; in your converted model "
                 f"{', '.join(changed)}: the served model no longer runs on the inputs it was "
                 "trained for", line=to_inverted_line(candidate))


@check("convert-relu")
@pytest.mark.parametrize("network", ["ReLU", "LeakyReLU", "input-dropout"])
def test_relu_like_network_is_served_unchanged(candidate, network):
    _judge_conversion(candidate, network)


@check("convert-tanh")
@pytest.mark.parametrize("network", ["tanh", "GELU", "ELU"])
def test_smooth_network_is_served_unchanged(candidate, network):
    _judge_conversion(candidate, network)


def _scaling_modules(candidate, kept, converted):
    """Modules of the converted model that change activations at inference although
    nothing but a Linear or one of the original's activations should: (name, factor)."""
    allowed = tuple({type_of(m) for m in kept if not isinstance(m, (nn.Linear, nn.Sequential,
                                                                     candidate.PaperDropout))})
    name, seen, handles = names_of(converted), [], []

    def watch(module, args, out):
        if args and isinstance(args[0], torch.Tensor) and isinstance(out, torch.Tensor):
            seen.append((module, args[0].detach().clone(), out.detach().clone()))

    for module in converted.modules():
        if module is converted or isinstance(module, allowed):
            continue
        if any(isinstance(m, nn.Linear) for m in module.modules()):
            continue  # a Linear (or a block holding one) may carry the folded factor
        handles.append(module.register_forward_hook(watch))
    try:
        with torch.no_grad():
            converted(torch.randn(64, 6))
    finally:
        for handle in handles:
            handle.remove()
    found = {}
    for module, x, out in seen:
        if out.shape != x.shape or torch.equal(out, x) or class_level(candidate, module):
            continue
        ratio = (out[x != 0] / x[x != 0]).double()
        factor = float(ratio.median()) if ratio.numel() else float("nan")
        found[module] = (name.get(module, "?"), factor)
    # Name the innermost culprit: a block is not blamed for what its child does.
    return [value for module, value in found.items()
            if not any(m in found for m in module.modules() if m is not module)]


@check("no-inference-scaling")
@pytest.mark.parametrize("network", ["ReLU", "tanh"])
def test_nothing_scales_at_inference(candidate, network):
    kept, _, converted = _convert(candidate, network)
    name = names_of(converted)
    left = [name.get(m, "?") for m in converted.modules() if isinstance(m, candidate.PaperDropout)]
    if left:
        red_flag("test-time-scaling", f"the converted {network} network still has "
                 f"PaperDropout at {', '.join(repr(n) for n in left)}, which multiplies by "
                 "1-p at inference", line=to_inverted_line(candidate))
    extra = len(_linears(converted)) - len(_linears(kept))
    if extra > 0:  # e.g. a Linear holding diag(1-p) in front of the trained one
        red_flag("test-time-scaling", f"the converted {network} network has {extra} more "
                 f"Linear layer{'s' if extra > 1 else ''} than the trained one: the keep "
                 "probability is applied by an extra layer at inference instead of being "
                 "folded into the existing weights", line=to_inverted_line(candidate))
        raise AssertionError("the converted model adds Linear layers the trained one did not have")
    scaling = _scaling_modules(candidate, kept, converted)
    if scaling:
        red_flag("test-time-scaling", f"in the converted {network} network, " + "; ".join(
            f"module '{n}' multiplies activations by {f:.2f} at inference" for n, f in scaling)
            + ": the keep probability is still applied on the serving path instead of "
            "being folded into weights", line=to_inverted_line(candidate))
    x = torch.randn(256, 6)
    untouched = all(torch.equal(a.weight, b.weight) for a, b in
                    zip(_linears(kept), _linears(converted))) and len(_linears(kept)) == len(
                        _linears(converted))
    if not left and not scaling and untouched and torch.allclose(
            served_outputs(candidate, converted, x.clone()), ideal_outputs(candidate, kept, x.clone()),
            rtol=1e-4, atol=1e-5):
        red_flag("test-time-scaling", f"the converted {network} network keeps the trained "
                 "weights unchanged and still gives the paper's outputs: something on its "
                 "serving path multiplies by 1-p at inference", line=to_inverted_line(candidate))
        raise AssertionError("the keep probability is still applied at inference")
    assert not left, "the converted model should have no PaperDropout left"
    assert not scaling, "a module of the converted model scales activations at inference"
    want = [m.p for m in kept if isinstance(m, candidate.PaperDropout)]
    # every slot counts, a shared instance in two slots included
    slots = [(n, m) for n, m in converted.named_modules(remove_duplicate=False)
             if isinstance(m, candidate.InvertedDropout)]
    got = [getattr(m, "p", None) for _, m in slots]
    assert len(got) == len(want), (
        f"the converted model has {len(got)} InvertedDropout layer(s) for the original's "
        f"{len(want)} PaperDropout: each should become an InvertedDropout, so the model can "
        "still be fine-tuned with dropout")
    swapped = [n for (n, _), g, w in zip(slots, got, want)
               if g is not None and abs(w - 0.5) > 1e-9 and abs(g - (1 - w)) < 1e-12]
    if swapped:
        red_flag("keep-drop-confusion", f"in the converted {network} network, the "
                 f"InvertedDropout at {', '.join(repr(n) for n in swapped)} got the keep "
                 "probability 1-p as its p: it would drop the units that should be kept",
                 line=to_inverted_line(candidate))
    wrong = [f"'{n}' has p={g}, the original's had p={w}" for (n, _), g, w in zip(slots, got, want)
             if g is None or abs(g - w) >= 1e-12]
    assert not wrong, "; ".join(wrong)


@check("original-untouched")
def test_the_trained_model_is_not_modified(candidate):
    original = build(NETWORKS["ReLU"], candidate.PaperDropout).train()  # a model mid-training
    kept = copy.deepcopy(original)
    converted = candidate.to_inverted(original)
    changed = []
    if [type_of(m) for m in original] != [type_of(m) for m in kept]:
        changed.append("its layers (" + describe(original) + ")")
    changed += [f"'{name}'" for (name, before), after in
                zip(kept.state_dict().items(), original.state_dict().values())
                if not torch.equal(before, after)]
    changed += [f"the mode of '{name or 'the model itself'}'" for (name, before), after in
                zip(kept.named_modules(), original.modules()) if before.training != after.training]
    if changed:
        red_flag("model-mutated", "after to_inverted, the trained model it was given had "
                 f"changed: {', '.join(changed)}", line=to_inverted_line(candidate))
    assert not changed, "to_inverted changed the trained model it was given"
    mine = {p.data_ptr(): name for name, p in original.named_parameters()}
    shared = [f"'{name}'" for name, p in converted.named_parameters() if p.data_ptr() in mine]
    assert not shared, (
        f"the converted model shares {', '.join(shared)} with the trained model: fine-tuning "
        "the served model would change the original (copy the layers, e.g. copy.deepcopy)")
