"""The training inputs, with the vocabulary block kept sparse.

A sentence uses a few dozen of the ~16,000 words and word pairs the heads count, so a
dense input matrix spends almost all of each training step multiplying zeros. Here the
block is stored as the positions of its ones, and the two products a training step needs
(inputs times weights, inputs transposed times the error) touch only those
(torch's compressed sparse rows: training is a developer's tool, torch is installed).
Each output row is summed in a fixed order, so the same bank still trains the same heads.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch


class Design:
    """Inputs laid out as heads.Batch.inputs lays them out: `before`, the vocabulary's
    `width` columns (given as each row's column indices that are 1), then `after`."""

    def __init__(self, before: np.ndarray, ones: list[np.ndarray], after: np.ndarray,
                 width: int, dtype=np.float32):
        self.before, self.after = before.astype(dtype), after.astype(dtype)
        self.ones, self.width = ones, width
        self.split = before.shape[1]
        self.columns = self.split + width + after.shape[1]
        counts = np.asarray([len(r) for r in ones], dtype=np.int64)
        self._row = np.repeat(np.arange(len(ones)), counts)
        self._col = np.concatenate(ones).astype(np.int64) if len(ones) else np.zeros(0, np.int64)
        self._matrix = _csr(self._row, self._col, (len(ones), width), dtype)
        self._transposed = _csr(self._col, self._row, (width, len(ones)), dtype)

    def __len__(self) -> int:
        return len(self.ones)

    def take(self, rows: np.ndarray) -> "Design":
        return Design(self.before[rows], [self.ones[r] for r in rows], self.after[rows],
                      self.width, self.before.dtype)

    def times(self, w: np.ndarray) -> np.ndarray:
        """inputs @ w, for w of shape (columns, k)."""
        middle = w[self.split:self.split + self.width]
        return (self.before @ w[:self.split] + self.after @ w[self.split + self.width:]
                + _product(self._matrix, middle))

    def transposed_times(self, b: np.ndarray) -> np.ndarray:
        """inputs.T @ b, for b of shape (rows, k): shaped like the weights."""
        return np.concatenate([self.before.T @ b, _product(self._transposed, b),
                               self.after.T @ b], axis=0)


def _csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int], dtype) -> torch.Tensor:
    order = np.lexsort((cols, rows))
    pointers = np.zeros(shape[0] + 1, dtype=np.int64)
    np.add.at(pointers, rows + 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        return torch.sparse_csr_tensor(torch.from_numpy(np.cumsum(pointers)),
                                       torch.from_numpy(cols[order].copy()),
                                       torch.from_numpy(np.ones(len(cols), dtype)), size=shape)


def _product(matrix: torch.Tensor, dense: np.ndarray) -> np.ndarray:
    return (matrix @ torch.from_numpy(np.ascontiguousarray(dense))).numpy()
