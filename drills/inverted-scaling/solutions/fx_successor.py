"""to_inverted uses torch.fx (with PaperDropout as a leaf) to find, from the data-flow
graph rather than from list positions, the single consumer of every PaperDropout; it
must be an nn.Linear, whose weight (on a deep copy) absorbs the keep probability."""

import copy

import torch
import torch.fx as fx
from torch import nn


def _validated(p):
    if isinstance(p, bool):
        raise ValueError("p must be a number")
    try:
        p = float(p)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"p must be a number, got {p!r}") from exc
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    return p


class PaperDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _validated(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = torch.bernoulli(torch.full(x.shape, 1.0 - self.p, device=x.device))
            return x * keep.to(x.dtype)
        return x * (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class InvertedDropout(nn.Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _validated(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            keep = torch.bernoulli(torch.full(x.shape, 1.0 - self.p, device=x.device))
            return x * (keep / (1.0 - self.p)).to(x.dtype)
        return x

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _LeafTracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, (PaperDropout, InvertedDropout)) or super().is_leaf_module(m, qualname)


def _set_by_name(root: nn.Module, dotted: str, new: nn.Module) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, new)


def to_inverted(model: nn.Sequential) -> nn.Sequential:
    served = copy.deepcopy(model)
    graph = _LeafTracer().trace(served)
    for node in graph.nodes:
        if node.op != "call_module":
            continue
        module = served.get_submodule(node.target)
        if not isinstance(module, PaperDropout):
            continue
        users = list(node.users)
        if len(users) != 1 or users[0].op != "call_module":
            raise ValueError(f"PaperDropout {node.target!r} must feed exactly one nn.Linear")
        consumer = served.get_submodule(users[0].target)
        if not isinstance(consumer, nn.Linear):
            raise ValueError(f"PaperDropout {node.target!r} feeds {type(consumer).__name__}, not nn.Linear")
        with torch.no_grad():
            consumer.weight.mul_(1.0 - module.p)
        _set_by_name(served, node.target, InvertedDropout(module.p))
    return served
