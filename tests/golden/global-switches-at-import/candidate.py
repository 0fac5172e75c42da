"""A correct layer whose file switches autograd off and widens the default dtype at import,
as a notebook cell might: torch's switches are put back before every check, so the
graders' own training (the overfitting check) still works and nothing else is charged."""

import torch
import torch.nn as nn

torch.set_grad_enabled(False)
torch.set_default_dtype(torch.float64)


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1.0 - self.p)
