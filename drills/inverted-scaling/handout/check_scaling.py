"""Quick sanity checks for scaling.py. Passing these does not mean the hidden graders pass."""

import torch
from torch import nn

from scaling import InvertedDropout, PaperDropout, to_inverted

torch.manual_seed(0)
x = torch.ones(200_000)

for name, layer in (("PaperDropout", PaperDropout(0.3)), ("InvertedDropout", InvertedDropout(0.3))):
    train = layer.train()(x)
    evaluated = layer.eval()(x)
    print(f"{name}: dropped {float((train == 0).float().mean()):.3f} (p=0.3), "
          f"train mean {float(train.mean()):.3f}, eval mean {float(evaluated.mean()):.3f}")
    assert abs(float(train.mean()) - float(evaluated.mean())) < 0.01, "expectations differ"

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), PaperDropout(0.5), nn.Linear(8, 2)).eval()
served = to_inverted(model).eval()
inputs = torch.randn(5, 4)
assert torch.allclose(model(inputs), served(inputs), atol=1e-6), "conversion changed the outputs"
assert not any(isinstance(m, PaperDropout) for m in served.modules()), "PaperDropout left behind"
print("all sanity checks passed")
