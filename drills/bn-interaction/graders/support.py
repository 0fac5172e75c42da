"""Helpers shared by the bn-interaction graders: the order layers run in, and how far
batch norm's running variance ends up from what it sees at inference."""

import torch
from torch import nn

DROPOUT = nn.modules.dropout._DropoutNd
BATCHNORM = nn.modules.batchnorm._BatchNorm
WEIGHTED = (nn.modules.conv._ConvNd, nn.Linear)


def call_order(model, x):
    """(name, module) of every leaf module in the order they ran on x."""
    names = {module: name for name, module in model.named_modules()}
    order, handles = [], []
    for module in model.modules():
        if not list(module.children()):
            handles.append(module.register_forward_hook(
                lambda m, args, out: order.append((names[m], m))))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return order


def dropout_feeding_bn(order):
    """Pairs (dropout name, batch-norm name) where the dropout's output reaches the batch
    norm before any convolution or linear layer."""
    found = []
    for index, (name, module) in enumerate(order):
        if isinstance(module, DROPOUT) and module.p > 0:
            for later_name, later in order[index + 1:]:
                if isinstance(later, WEIGHTED) or isinstance(later, DROPOUT):
                    break
                if isinstance(later, BATCHNORM):
                    found.append((name, later_name))
                    break
    return found


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
