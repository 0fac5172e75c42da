"""The candidate's side of objects the judge holds (see trees.py).

Two ways a judge-held module appears in the candidate's process:
- adopted: a torch layer inside the candidate's own module was handed to the judge, and
  its slot now holds a JudgeStub (the shadow is the layer as it was, for reading);
- lent: the judge passed one of its models (or its optimizer) to a candidate's function
  (a bug hunt's `evaluate(model, inputs)`): the candidate gets stubs of the whole tree,
  each an instance of the layer's torch class as far as isinstance can tell.
Either way a call, train()/eval(), a `training` flag and plain attribute writes go to
the judge's object, so the graders' hooks see every forward and their copies of the
statistics are the ones that move.
"""

import torch

PLAIN = (type(None), bool, int, float, str)


class JudgeStub(torch.nn.Module):
    _drill_shadow = None

    def __init__(self, host, handle: int, shadow=None):
        # nn.Module's alone: a lent nn.Dropout's own __init__ would set a local p
        torch.nn.Module.__init__(self)
        object.__setattr__(self, "_drill_host", host)
        object.__setattr__(self, "_drill_handle", handle)
        object.__setattr__(self, "_drill_shadow", shadow)

    # the judge's flag, read and written there
    @property
    def training(self):
        if "_drill_host" not in self.__dict__:
            return True
        return bool(self._drill_host.judge_op("getattr", self._drill_handle, name="training"))

    @training.setter
    def training(self, value):
        if "_drill_host" in self.__dict__:
            self._drill_host.judge_op("setattr", self._drill_handle, name="training", value=bool(value))

    def forward(self, *args, **kwargs):
        return self._drill_host.callback(self._drill_handle, args, kwargs)

    def train(self, mode: bool = True):
        self._drill_host.callback(self._drill_handle, (bool(mode),), {}, method="train")
        return self

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            pass
        shadow = self.__dict__.get("_drill_shadow")
        if shadow is not None:
            return getattr(shadow, name)
        if name.startswith("_"):
            raise AttributeError(name)
        return self._drill_host.judge_op("getattr", self._drill_handle, name=name)

    def __setattr__(self, name, value):
        lent = self.__dict__.get("_drill_shadow") is None and "_drill_host" in self.__dict__
        if lent and isinstance(value, torch.Tensor) and name not in ("training",):
            self.__dict__[name] = value  # a tensor swapped in locally (torch.func.functional_call)
            return
        if (self.__dict__.get("_drill_shadow") is None and "_drill_host" in self.__dict__
                and not name.startswith("_") and isinstance(value, PLAIN)
                and name not in self._modules):
            self._drill_host.judge_op("setattr", self._drill_handle, name=name, value=value)
            return
        super().__setattr__(name, value)

    def __deepcopy__(self, memo):
        if self.__dict__.get("_drill_shadow") is not None:
            return self  # an adopted layer: a copy of the candidate's module shares it
        return self._drill_host.judge_op("deepcopy", self._drill_handle)

    def _keyed(self) -> bool:
        return "ModuleDict" in type(self).__name__ or isinstance(self._drill_shadow, torch.nn.ModuleDict)

    def __getitem__(self, key):
        if self._keyed():
            return self._modules[key]
        if isinstance(key, slice):  # a new container of the same layers, as torch makes it
            from collections import OrderedDict

            kind = torch.nn.ModuleList if isinstance(self, torch.nn.ModuleList) else torch.nn.Sequential
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

    # parameters and buffers: the judge's, as copies (reading them is what a functional
    # forward does; training goes through the judge's own optimizer)
    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        if self.__dict__.get("_drill_shadow") is not None:
            return super().named_parameters(prefix, recurse, remove_duplicate)
        got = self._drill_host.judge_op("tensors", self._drill_handle, name="parameters")
        got = [(k, torch.nn.Parameter(v.detach(), requires_grad=v.requires_grad)) for k, v in got]
        # requires_grad_ on these copies reaches the judge's parameters with the next call
        self._drill_host.handed_out.append((self._drill_handle, got))
        del self._drill_host.handed_out[:-64]
        return iter([(prefix + ("." if prefix else "") + k, v) for k, v in got])

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        if self.__dict__.get("_drill_shadow") is not None:
            return super().named_buffers(prefix, recurse, remove_duplicate)
        got = self._drill_host.judge_op("tensors", self._drill_handle, name="buffers")
        return iter([(prefix + ("." if prefix else "") + k, v) for k, v in got])

    def parameters(self, recurse=True):
        return (v for _, v in self.named_parameters())

    def buffers(self, recurse=True):
        return (v for _, v in self.named_buffers())

    def state_dict(self, *args, **kwargs):
        if self.__dict__.get("_drill_shadow") is not None:
            return super().state_dict(*args, **kwargs)
        return dict(self._drill_host.judge_op("tensors", self._drill_handle, name="state"))

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if self.__dict__.get("_drill_shadow") is not None:
            return super().load_state_dict(state_dict, strict, assign)
        return self._drill_host.judge_op("load", self._drill_handle,
                                         value=[[str(k), v] for k, v in dict(state_dict).items()])


_CLASSES: dict = {}


def lent_class(torch_class):
    """JudgeStub that isinstance() takes for `torch_class` (nn.Dropout, nn.BatchNorm1d...)."""
    if torch_class is None:
        return JudgeStub
    made = _CLASSES.get(torch_class)
    if made is None:
        made = _CLASSES[torch_class] = type(f"Judge{torch_class.__name__}", (JudgeStub, torch_class), {})
    return made


class JudgeObject:
    """Another object the judge lent (an optimizer): its methods run there."""

    def __init__(self, host, handle: int, kind: str):
        object.__setattr__(self, "_drill_host", host)
        object.__setattr__(self, "_drill_handle", handle)
        object.__setattr__(self, "_drill_kind", kind)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in ("zero_grad", "step"):
            return lambda *args, **kwargs: self._drill_host.callback(
                self._drill_handle, args, kwargs, method=name)
        return self._drill_host.judge_op("getattr", self._drill_handle, name=name)

    def __repr__(self):
        return f"<{self._drill_kind}>"


class JudgeCall(torch.autograd.Function):
    """A judge layer's forward that autograd can go back through: loss.backward() in the
    candidate's process sends the gradients to the judge, which backpropagates through
    its own graph (so its parameters get their .grad there)."""

    @staticmethod
    def forward(ctx, host, handle, args, kwargs, method, grad, box, *tensors):
        value, call = host.raw_callback(handle, args, kwargs, method, grad)
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
