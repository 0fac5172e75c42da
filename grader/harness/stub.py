"""The candidate's side of objects the judge holds (see trees.py).

Two ways a judge-held module appears in the candidate's process:
- adopted (JudgeStub): a torch layer inside the candidate's own module was handed to the
  judge, and its slot now holds a stub whose calls, mode and train()/eval() go to the
  judge's layer (the shadow is the layer as it was, for reading anything else);
- lent (LentForward): the judge passed one of its models to a candidate's function (a bug
  hunt's `evaluate(model, inputs)`); the candidate gets a real copy made of torch's own
  classes, each of whose layers calls the judge's layer with the copy's current mode and
  settings, and the copy as the function left it is written back to the judge's model.
Either way the graders' hooks see every forward and their statistics are the ones that move.
"""

import torch

from grader.harness import trees


class JudgeStub(torch.nn.Module):
    """A child of the candidate's module that the judge now holds (adopted)."""

    def __init__(self, host, handle: int, shadow):
        super().__init__()
        object.__setattr__(self, "_drill_host", host)
        object.__setattr__(self, "_drill_handle", handle)
        object.__setattr__(self, "_drill_shadow", shadow)

    # the judge's flag, read and written there
    @property
    def training(self):
        if "_drill_host" not in self.__dict__:
            return True  # nn.Module.__init__ setting it, before the stub is bound
        return bool(self._drill_host.judge_op("getattr", self._drill_handle, name="training"))

    @training.setter
    def training(self, value):
        if "_drill_host" in self.__dict__:
            self._drill_host.judge_op("mode", self._drill_handle, value=bool(value))

    def forward(self, *args, **kwargs):
        return self._drill_host.callback(self._drill_handle, args, kwargs)

    def train(self, mode: bool = True):
        self._drill_host.callback(self._drill_handle, (bool(mode),), {}, method="train")
        return self

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_drill_shadow"], name)

    def __deepcopy__(self, memo):
        return self  # the judge's layer: a copy of the candidate's module shares it

    def _keyed(self) -> bool:
        return isinstance(self._drill_shadow, torch.nn.ModuleDict)

    def __getitem__(self, key):
        if self._keyed():
            return self._modules[key]
        if isinstance(key, slice):  # a new container of the same layers, as torch makes it
            from collections import OrderedDict

            kind = torch.nn.ModuleList if isinstance(self._drill_shadow, torch.nn.ModuleList) \
                else torch.nn.Sequential
            picked = list(self._modules.items())[key]
            return kind(OrderedDict(picked)) if kind is torch.nn.Sequential else kind(v for _, v in picked)
        return list(self._modules.values())[key]

    def __iter__(self):
        return iter(self._modules) if self._keyed() else iter(self._modules.values())

    def __len__(self):
        return len(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


class JudgeObject:
    """Another object the judge lent (an optimizer): its methods run there."""

    def __init__(self, host, handle: int, kind: str):
        object.__setattr__(self, "_drill_host", host)
        object.__setattr__(self, "_drill_handle", handle)
        object.__setattr__(self, "_drill_kind", kind)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "zero_grad":
            return lambda *args, **kwargs: self._drill_host.callback(
                self._drill_handle, (), {}, method=name)
        if name == "step":
            return self._step
        return self._drill_host.judge_op("getattr", self._drill_handle, name=name)

    def _step(self, closure=None):
        """As torch's optimizers do: the closure (forward and backward) first, here."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._drill_host.callback(self._drill_handle, (), {}, method="step")
        return loss

    def __repr__(self):
        return f"<{self._drill_kind}>"


class LentForward:
    """The forward of a layer the judge lent: set on our copy of the layer, it calls the
    judge's layer (sending our copy's mode, settings and any parameter the candidate's code
    changed), so the graders' hooks see the call. Containers keep torch's own forward and
    call their layers; a copy of the model (copy.deepcopy) gets copies in the judge too."""

    _drill_lent_forward = True

    def __init__(self, host, handle: int, module):
        self.host, self.handle, self.module = host, handle, module

    def __call__(self, *args, **kwargs):
        return self.host.callback(self.handle, args, kwargs, sync=self.module)

    def __deepcopy__(self, memo):
        twin = memo.get(id(self.module))
        handle = self.host.judge_op("deepcopy", self.handle)
        if twin is None or not isinstance(handle, int):
            return self
        self.host.lent_modules[handle] = twin
        self.host.lent_jids[id(twin)] = handle
        return LentForward(self.host, handle, twin)


class LendingIds(trees.HostIds):
    """The host's side of an exchange, where the judge lends its model: the judge's
    lasting handles (negative) name our copies, refreshed in place on each loan."""

    def __init__(self, host):
        super().__init__()
        self.host = host

    def module(self, jid):
        if isinstance(jid, int) and not isinstance(jid, bool) and jid < 0:
            return self.host.lent_modules.get(jid)
        return None

    def jid_of(self, module):
        found = super().jid_of(module)
        if found is None:
            found = self.host.lent_jids.get(id(module))
            if found is not None and self.host.lent_modules.get(found) is not module:
                found = None
        return found

    def note_module(self, module, jid) -> None:
        super().note_module(module, jid)
        if isinstance(jid, int) and not isinstance(jid, bool) and jid < 0:
            self.host.lent_modules[jid] = module
            self.host.lent_jids[id(module)] = jid
            if not module._modules:  # a layer: its calls go to the judge's
                module.__dict__["forward"] = LentForward(self.host, jid, module)
            self.host.received.update(self.received)

    def unchanged(self, tensor) -> bool:
        seen = self.host.received.get(id(tensor))
        return (seen is not None and seen[0] is tensor and seen[1].shape == tensor.shape
                and seen[1].dtype == tensor.dtype and torch.equal(seen[1], tensor.detach()))


class JudgeCall(torch.autograd.Function):
    """A judge layer's forward that autograd can go back through: loss.backward() in the
    candidate's process sends the gradients to the judge, which backpropagates through
    its own graph (so its parameters get their .grad there)."""

    @staticmethod
    def forward(ctx, host, handle, args, kwargs, request, grad, box, *tensors):
        value, call = host.raw_callback(handle, args, kwargs, request[0], grad, request[1])
        flat = [value] if isinstance(value, torch.Tensor) else (
            list(value) if isinstance(value, tuple) and all(isinstance(v, torch.Tensor) for v in value)
            else None)
        ctx.host, ctx.call, ctx.count = host, call, len(tensors) - 1  # the last is the anchor
        box.append(value if flat is None else ("tensor" if isinstance(value, torch.Tensor) else len(flat)))
        if flat is None:
            empty = torch.empty(0)
            ctx.mark_non_differentiable(empty)
            return (empty,)
        outs = tuple(t.detach().clone() for t in flat)
        for out in outs:  # differentiable where the judge kept the graph behind them
            if call is None or not (out.is_floating_point() or out.is_complex()):
                ctx.mark_non_differentiable(out)
        return outs

    @staticmethod
    def backward(ctx, *grads):
        none = (None,) * 7
        if ctx.call is None:
            return none + (None,) * (ctx.count + 1)
        got = ctx.host.judge_op("backward", ctx.call, value=list(grads))
        got = got if isinstance(got, list) and len(got) == ctx.count else [None] * ctx.count
        return none + tuple(g if isinstance(g, torch.Tensor) else None for g in got) + (None,)
