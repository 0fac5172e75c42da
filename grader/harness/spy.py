"""A torch function mode that notes which torch functions run, however the caller
imported or aliased them (used in the graders' process, and in the candidate's own)."""

from __future__ import annotations

from torch.overrides import TorchFunctionMode


class TorchSpy(TorchFunctionMode):
    """Appends to `seen` the name of every torch function called whose name contains one
    of `patterns` (case-insensitive), up to `limit` names."""

    def __init__(self, patterns: list[str], seen: list, limit: int = 1000):
        super().__init__()
        self.patterns, self.seen, self.limit = [p.lower() for p in patterns], seen, limit

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", str(func))
        if any(p in name.lower() for p in self.patterns) and len(self.seen) < self.limit:
            self.seen.append(f"{getattr(func, '__module__', None) or 'torch'}.{name}"[:100])
        return func(*args, **(kwargs or {}))
