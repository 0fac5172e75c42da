"""torch's process-wide switches, saved before the candidate's file is imported and put
back before every grader test. A candidate that turns autograd off with a bare
`torch.set_grad_enabled(False)` (or changes the default dtype) would otherwise break the
graders' own training in every later check, with a cryptic error far from the cause; a
drill that cares names the cause in a check of its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TorchState:
    grad_enabled: bool
    default_dtype: object
    threads: int
    anomaly: bool
    deterministic: bool


def snapshot() -> TorchState:
    import torch

    return TorchState(torch.is_grad_enabled(), torch.get_default_dtype(),
                      torch.get_num_threads(), torch.is_anomaly_enabled(),
                      torch.are_deterministic_algorithms_enabled())


_held: list = []  # inference mode entered for a call that left it on (see hold_inference)


def hold_inference() -> None:
    """Enter inference mode as a call in the candidate's process left it, so the check
    that looks for the leak sees it; restore() leaves it before the next check."""
    import torch

    guard = torch.inference_mode()
    guard.__enter__()
    _held.append(guard)


def restore(state: TorchState) -> list[str]:
    """Put the switches back; returns the names of those that had been changed."""
    import torch

    while _held:
        _held.pop().__exit__(None, None, None)

    changed = [name for name, now in zip(vars(state), vars(snapshot()).values())
               if getattr(state, name) != now]
    if "grad_enabled" in changed:
        torch.set_grad_enabled(state.grad_enabled)
    if "default_dtype" in changed:
        torch.set_default_dtype(state.default_dtype)
    if "threads" in changed:
        torch.set_num_threads(state.threads)
    if "anomaly" in changed:
        torch.autograd.set_detect_anomaly(state.anomaly)
    if "deterministic" in changed:
        torch.use_deterministic_algorithms(state.deterministic)
    return changed
