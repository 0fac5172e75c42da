"""Sentence vectors from WordLlama's static token embeddings (a 19 MB pip wheel, numpy
only, weights inside the package): no network, no model hub, about half a second to load,
and the same vector for the same text on every run. Loaded once per process."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

DIM = 256
MAX_CHARS = 2000    # a sentence longer than this is embedded by its first 2000 characters


@lru_cache(maxsize=1)
def _model():
    import wordllama
    from wordllama import WordLlama
    # The weights ship in the wheel; disable_download keeps it from ever reaching the hub.
    return WordLlama.load(dim=DIM, cache_dir=os.path.dirname(wordllama.__file__),
                          disable_download=True)


def embed(texts: list[str]) -> np.ndarray:
    """One unit-length row per text (float64); an empty list gives a (0, DIM) array."""
    if not texts:
        return np.zeros((0, DIM))
    vectors = _model().embed([t[:MAX_CHARS] or " " for t in texts], norm=True)
    return np.asarray(vectors, dtype=np.float64).reshape(len(texts), DIM)
