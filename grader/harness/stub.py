"""The candidate's side of a layer the judge holds (see trees.py)."""

import torch


class JudgeStub(torch.nn.Module):
    """In the candidate's module, a child that now lives in the judge: calling it calls
    the judge's copy, so the graders' hooks see the call and its statistics are the ones
    the graders read. A container's stub holds its children's stubs (indexing and
    iteration give those); anything else is read from the copy it replaced."""

    def __init__(self, host, handle: int, shadow):
        super().__init__()
        object.__setattr__(self, "_drill_host", host)
        object.__setattr__(self, "_drill_handle", handle)
        object.__setattr__(self, "_drill_shadow", shadow)

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
        items = list(self._modules.values())
        return items[key]

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
