"""Quick sanity checks for your Dropout. Run: python check_dropout.py

These are the checks you'd narrate to an interviewer. They are deliberately small;
`drill grade` runs a more thorough hidden set.
"""

import torch

from dropout import Dropout


def check(name, condition, detail=""):
    print(f"[{'ok' if condition else 'FAIL'}] {name}" + (f"  ({detail})" if detail else ""))
    return bool(condition)


def main():
    torch.manual_seed(0)
    results = []

    layer = Dropout(0.5).eval()
    x = torch.randn(1000)
    results.append(check("eval mode returns the input unchanged", torch.equal(layer(x), x)))

    layer = Dropout(0.3).train()
    y = layer(torch.ones(100_000))
    dropped = (y == 0).float().mean().item()
    results.append(check("about 30% dropped at p=0.3", abs(dropped - 0.3) < 0.01,
                         f"dropped {dropped:.3f}"))

    layer = Dropout(0.5).train()
    mean = layer(torch.full((200_000,), 4.0)).mean().item()
    results.append(check("mean is preserved", abs(mean - 4.0) < 0.05, f"mean {mean:.3f}"))

    y = layer(torch.ones(100_000))
    kept = y[y != 0]
    results.append(check("survivors are scaled by 1/(1-p)",
                         torch.allclose(kept, torch.full_like(kept, 2.0)),
                         f"first survivor {kept[0].item() if kept.numel() else 'none'}"))

    layer = Dropout(0.0).train()
    x = torch.randn(1000)
    results.append(check("p=0 is the identity in training mode", torch.equal(layer(x), x)))

    layer = Dropout(0.5).train()
    x = torch.randn(10, requires_grad=True)
    layer(x).sum().backward()
    grad_ok = x.grad is not None and bool(((x.grad == 0) | torch.isclose(
        x.grad, torch.tensor(2.0))).all())
    results.append(check("gradient is 0 where dropped and 1/(1-p) where kept", grad_ok))

    print(f"\n{sum(results)} of {len(results)} checks passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
