"""Input tasks: correlated bars and whitened natural-image patches (ON/OFF split).

Both tasks are generated on the fly from a seed; nothing is downloaded. The image task uses the
photograph ``china.jpg`` that ships inside scikit-learn (``sklearn.datasets.load_sample_image``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from neurohw.networks.dendritic_balance.errors import DendriticBalanceError


@dataclass(frozen=True)
class BarsTask:
    """Correlated-bars task (Mikulasch et al. 2021, Fig. 4).

    Each ``size x size`` image holds exactly two distinct bars (of ``2 size`` horizontal and
    vertical bars). With probability ``p`` the image is one of ``size`` fixed *correlated pairs*
    (horizontal bar ``k`` with vertical bar ``perm[k]``); otherwise the two bars are drawn
    uniformly among all pairs. Pixels are 1 on a bar and 0 elsewhere (the crossing pixel is 1).
    """

    p: float = 0.5
    size: int = 8
    pair_seed: int = 12345

    def __post_init__(self) -> None:
        if not 0.0 <= self.p <= 1.0:
            raise DendriticBalanceError(f"bar correlation p must be in [0, 1], got {self.p}")
        if self.size < 2:
            raise DendriticBalanceError(f"bar image size must be >= 2, got {self.size}")

    @property
    def name(self) -> str:
        return "bars"

    @property
    def n_inputs(self) -> int:
        return self.size * self.size

    @property
    def image_shape(self) -> tuple[int, int]:
        return (self.size, self.size)

    def bars(self) -> np.ndarray:
        """All ``2 size`` bar images, flattened [2 size, size^2]: horizontal bars first."""
        s = self.size
        out = np.zeros((2 * s, s, s))
        idx = np.arange(s)
        out[idx, idx, :] = 1.0
        out[s + idx, :, idx] = 1.0
        return out.reshape(2 * s, s * s)

    def correlated_pairs(self) -> np.ndarray:
        """The ``size`` correlated bar pairs as indices into :meth:`bars` [size, 2]."""
        perm = np.random.default_rng(self.pair_seed).permutation(self.size)
        return np.stack([np.arange(self.size), self.size + perm], axis=1)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` images [n, size^2] with values in {0, 1}."""
        n_bars = 2 * self.size
        bars = self.bars()
        pairs = self.correlated_pairs()
        correlated = rng.random(n) < self.p
        first = rng.integers(0, n_bars, n)
        second = (first + rng.integers(1, n_bars, n)) % n_bars
        which = rng.integers(0, len(pairs), n)
        first = np.where(correlated, pairs[which, 0], first)
        second = np.where(correlated, pairs[which, 1], second)
        return np.maximum(bars[first], bars[second])


def _whitening_filter(shape: tuple[int, int], cutoff: float) -> np.ndarray:
    """Olshausen & Field (1996) whitening filter ``f exp(-(f/f0)^4)`` on an FFT grid."""
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    f = np.hypot(fx, fy)
    return f * np.exp(-(f / cutoff) ** 4)


@lru_cache(maxsize=2)
def whitened_image(name: str = "china.jpg", cutoff: float = 0.4) -> np.ndarray:
    """A grey-scale photograph shipped with scikit-learn, whitened and scaled to unit variance."""
    from sklearn.datasets import load_sample_image

    img = load_sample_image(name).astype(float).mean(axis=2)
    img = (img - img.mean()) / img.std()
    white = np.real(np.fft.ifft2(np.fft.fft2(img) * _whitening_filter(img.shape, cutoff)))
    white /= white.std()
    white.setflags(write=False)
    return white


@dataclass(frozen=True)
class ImagePatchTask:
    """Whitened natural-image patches, split into ON and OFF input channels.

    A ``patch x patch`` patch ``z`` (unit-variance whitened pixels, scaled by ``gain``) becomes the
    non-negative input ``x = [max(z, 0), max(-z, 0)]`` of ``2 patch^2`` inputs, like retinal ON and
    OFF cells (paper: natural scenes task, positive and negative parts in two populations).
    """

    patch: int = 8
    gain: float = 0.5
    image: str = "china.jpg"

    @property
    def name(self) -> str:
        return "images"

    @property
    def n_inputs(self) -> int:
        return 2 * self.patch * self.patch

    @property
    def image_shape(self) -> tuple[int, int]:
        return (self.patch, self.patch)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` ON/OFF patches [n, 2 patch^2] (non-negative)."""
        img = whitened_image(self.image)
        s = self.patch
        rows = rng.integers(0, img.shape[0] - s, n)
        cols = rng.integers(0, img.shape[1] - s, n)
        offs = np.arange(s)
        patches = img[rows[:, None, None] + offs[None, :, None], cols[:, None, None] + offs[None, None, :]]
        z = self.gain * patches.reshape(n, s * s)
        return np.concatenate([np.maximum(z, 0.0), np.maximum(-z, 0.0)], axis=1)

    def to_signed(self, x: np.ndarray) -> np.ndarray:
        """ON minus OFF channel: the signed patch(es) [..., patch^2] (for receptive-field images)."""
        half = self.patch * self.patch
        return x[..., :half] - x[..., half:]


def make_task(name: str, p: float = 0.5) -> BarsTask | ImagePatchTask:
    """Task by name: ``"bars"`` (with correlation ``p``) or ``"images"``."""
    if name == "bars":
        return BarsTask(p=p)
    if name == "images":
        return ImagePatchTask()
    raise DendriticBalanceError(f"unknown task {name!r}; choose 'bars' or 'images'")
