"""The hint an interviewer would give for a common crash, keyed on the exception."""

from __future__ import annotations

import re


def crash_hint(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, AttributeError) and (
        "has no attribute 'training'" in text or "has no attribute '_" in text
        or "before Module.__init__() call" in text
    ):
        return ("Did you call super().__init__() first thing in __init__? nn.Module sets up "
                "self.training and its bookkeeping there.")
    if isinstance(exc, RuntimeError) and re.search(r"size of tensor a .* must match", text):
        return ("The mask's shape does not match the input's. Build it from x itself, "
                "e.g. torch.rand_like(x), so it works for any shape.")
    if isinstance(exc, RuntimeError) and "view size is not compatible" in text:
        return ("view() needs a contiguous tensor; use reshape(), or avoid flattening at all "
                "by building the mask with torch.rand_like(x).")
    if isinstance(exc, NotImplementedError):
        return "This part of the stub is still to be written."
    if isinstance(exc, RecursionError):
        return "forward() ends up calling itself; check for self(x) or self.forward(x) inside it."
    if isinstance(exc, TypeError) and "missing 1 required positional argument" in text:
        return "Check the signatures: __init__(self, p=0.5) and forward(self, x)."
    return ""
