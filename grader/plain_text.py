"""Text from a candidate, made safe for a terminal: no control characters (an escape
sequence could clear the screen, fake a green result, set the window title or write the
clipboard). Newlines and tabs stay. Light on purpose: the CLI imports it."""

from __future__ import annotations

import dataclasses
import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text) -> str:
    return CONTROL.sub("\ufffd", str(text))


def plain_all(value):
    """A copy of a value (dataclasses, dicts, lists) with every string made plain."""
    if isinstance(value, str):
        return plain(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: plain_all(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict):
        return {plain_all(k): plain_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_all(v) for v in value)
    return value
