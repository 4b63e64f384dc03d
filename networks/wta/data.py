"""Data for the WTA circuits: binarised 8x8 digits, a synthetic Bernoulli mixture, spike coding.

* :func:`load_digits_binary` -- scikit-learn's bundled 8x8 handwritten digits (no download),
  binarised at half intensity, split into training and held-out sets (seeded, stratified).
* :func:`bernoulli_mixture` -- samples of a mixture of multivariate Bernoulli distributions with
  known components (the ground truth the learned weights are compared to).
* :func:`on_off_code` -- the population code of Nessler et al. (2013): every binary variable
  drives two input neurons, one active when it is 1 ("ON") and one when it is 0 ("OFF"). Exactly
  one neuron per variable is active, which makes ``sum_i exp(w_ki)/c`` constant per variable -- the
  normalisation the WTA's implicit generative model needs.
* :func:`rate_coded_spikes` -- seeded Poisson spike trains (ms) for a sequence of presentations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurohw.errors import NeurohwError

__all__ = [
    "WtaDataError",
    "BinaryDataset",
    "load_digits_binary",
    "bernoulli_mixture",
    "on_off_code",
    "on_only_code",
    "budget_rates",
    "rate_coded_spikes",
]


class WtaDataError(NeurohwError, ValueError):
    """A data set request or coding parameter that cannot be honoured."""


@dataclass
class BinaryDataset:
    """Binary samples with labels, split into training and held-out parts.

    ``x_*`` are uint8 arrays (n_samples, n_features) of 0/1; ``y_*`` int labels. ``image_shape``
    says how to show one sample as an image. ``components`` / ``mixing`` hold the true Bernoulli
    parameters (n_components, n_features) and mixing weights for synthetic data (None for digits).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]
    classes: tuple[int, ...]
    components: np.ndarray | None = None
    mixing: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def _stratified_split(labels: np.ndarray, test_fraction: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified random split (each class split in the same proportion)."""
    keys = rng.random(labels.size)
    order = np.lexsort((keys, labels))              # random order inside each class
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    counts = np.bincount(np.unique(labels, return_inverse=True)[1])
    rank = np.arange(labels.size) - starts
    class_size = counts[np.unique(sorted_labels, return_inverse=True)[1]]
    is_test = rank < np.round(test_fraction * class_size)
    test, train = order[is_test], order[~is_test]
    return rng.permutation(train), rng.permutation(test)


def load_digits_binary(classes: tuple[int, ...] = (0, 1, 2, 3, 4), threshold: float = 8.0,
                       test_fraction: float = 0.3, seed: int = 0) -> BinaryDataset:
    """The 8x8 digits of scikit-learn (1797 images, grey levels 0..16), binarised.

    Parameters
    ----------
    classes
        which digits to keep.
    threshold
        a pixel is 1 when its grey level is >= ``threshold`` (0..16; 8 = half intensity).
    test_fraction
        share of each class held out for evaluation.
    seed
        seed of the split.
    """
    from sklearn.datasets import load_digits

    if not 0 < test_fraction < 1:
        raise WtaDataError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    digits = load_digits()
    keep = np.isin(digits.target, np.asarray(classes))
    if not keep.any():
        raise WtaDataError(f"no digits of classes {classes}; choose among 0..9")
    x = (digits.data[keep] >= threshold).astype(np.uint8)
    y = digits.target[keep].astype(np.int64)
    train, test = _stratified_split(y, test_fraction, np.random.default_rng(seed))
    return BinaryDataset("digits", x[train], y[train], x[test], y[test], (8, 8),
                         tuple(int(c) for c in classes),
                         info={"threshold": threshold, "source": "sklearn.datasets.load_digits"})


def bernoulli_mixture(n_components: int = 4, image_shape: tuple[int, int] = (8, 8),
                      n_train: int = 2000, n_test: int = 500, p_high: float = 0.9,
                      p_low: float = 0.1, seed: int = 0) -> BinaryDataset:
    """Samples of a mixture of multivariate Bernoulli distributions with known components.

    Each component is a random binary prototype (half of the pixels "on") whose pixels are 1 with
    probability ``p_high`` where the prototype is on and ``p_low`` elsewhere; mixing weights are
    drawn from a Dirichlet(5) so that they differ but no component is rare. Labels are the
    generating component.
    """
    if n_components < 1:
        raise WtaDataError(f"n_components must be >= 1, got {n_components}")
    if not 0 <= p_low < p_high <= 1:
        raise WtaDataError(f"need 0 <= p_low < p_high <= 1, got {p_low}, {p_high}")
    rng = np.random.default_rng(seed)
    n_features = int(np.prod(image_shape))
    prototypes = rng.random((n_components, n_features)).argsort(axis=1) < n_features // 2
    components = np.where(prototypes, p_high, p_low)
    mixing = rng.dirichlet(np.full(n_components, 5.0))
    n = n_train + n_test
    labels = rng.choice(n_components, size=n, p=mixing)
    x = (rng.random((n, n_features)) < components[labels]).astype(np.uint8)
    return BinaryDataset("synthetic", x[:n_train], labels[:n_train], x[n_train:], labels[n_train:],
                         tuple(image_shape), tuple(range(n_components)), components=components,
                         mixing=mixing, info={"p_high": p_high, "p_low": p_low})


def on_off_code(x: np.ndarray) -> np.ndarray:
    """ON/OFF population code: (n, D) binary -> (n, 2D) with ``[x, 1 - x]`` (ON block first)."""
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    if not np.isin(x, (0, 1)).all():
        raise WtaDataError("on_off_code expects binary (0/1) data")
    x = x.astype(np.uint8)
    return np.concatenate([x, 1 - x], axis=1)


def on_only_code(x: np.ndarray) -> np.ndarray:
    """ON-only code: (n, D) binary -> (n, D); only the pixels that are 1 drive an input neuron.

    Half the input events of the ON/OFF code for the same information in a binary image (an
    inactive pixel is one whose neuron stays silent), which matters when the host input
    bandwidth is the bottleneck. With a fixed total input rate per presentation (see
    :func:`budget_rates`) every input spike is a draw from the sample's active pixels, and the
    STDP rule of Nessler et al. (2013) then fits a mixture of multinomials over input spikes
    (their "input normalisation" condition holds because the total rate is constant).
    """
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    if not np.isin(x, (0, 1)).all():
        raise WtaDataError("on_only_code expects binary (0/1) data")
    return x.astype(np.uint8)


def budget_rates(codes: np.ndarray, events_per_ms: float) -> np.ndarray:
    """Rate (Hz) per active input neuron so that each presentation emits ``events_per_ms``.

    ``codes`` is (P, N) 0/1; returns (P,) rates ``1000 * events_per_ms / n_active(p)`` (0 for a
    presentation with no active input). The total input rate is then the same for every
    presentation -- chosen below a chip's host input budget so that no event is dropped.
    """
    if not events_per_ms > 0:
        raise WtaDataError(f"events_per_ms must be positive, got {events_per_ms}")
    n_active = np.asarray(codes).sum(axis=1).astype(float)
    with np.errstate(divide="ignore"):
        return np.where(n_active > 0, 1000.0 * events_per_ms / n_active, 0.0)


def _per_presentation(rate, n_pres: int, name: str) -> np.ndarray:
    """A scalar or (P,) rate as a (P, 1) float array."""
    rate = np.asarray(rate, dtype=float)
    if rate.ndim == 0:
        return np.full((n_pres, 1), float(rate))
    if rate.shape != (n_pres,):
        raise WtaDataError(f"{name} must be a scalar or have one entry per presentation "
                           f"({n_pres}), got shape {rate.shape}")
    return rate[:, None]


def rate_coded_spikes(codes: np.ndarray, onsets: np.ndarray, duration: float, rate_on: float,
                      rate_off: float, rng: np.random.Generator, resolution: float = 0.1,
                      ) -> list[np.ndarray]:
    """Poisson spike trains (ms) of the input neurons for a sequence of presentations.

    Parameters
    ----------
    codes
        (P, N) 0/1: which input neuron is active in presentation p.
    onsets
        (P,) start of each presentation (ms, > 0).
    duration
        length of a presentation (ms); spikes fall in ``[onset, onset + duration)``.
    rate_on, rate_off
        firing rate (Hz) of active and inactive input neurons: scalars, or (P,) arrays giving a
        rate per presentation (e.g. chosen so that every presentation fits a host event budget,
        see :func:`budget_rates`).
    rng
        random generator (seeded by the caller).
    resolution
        spike times are put on this grid (ms; the simulators' time step) and doublets removed.

    Returns
    -------
    list of N sorted float arrays of spike times (ms), one per input neuron.
    """
    codes = np.asarray(codes)
    onsets = np.asarray(onsets, dtype=float).ravel()
    if codes.ndim != 2 or codes.shape[0] != onsets.size:
        raise WtaDataError(f"codes must be (P, N) with P = len(onsets) = {onsets.size}, "
                           f"got {codes.shape}")
    n_pres, n_in = codes.shape
    rate_on = _per_presentation(rate_on, n_pres, "rate_on")
    rate_off = _per_presentation(rate_off, n_pres, "rate_off")
    if duration <= 0 or np.any(rate_on < 0) or np.any(rate_off < 0):
        raise WtaDataError("duration must be positive and rates non-negative")
    rates = np.where(codes > 0, rate_on, rate_off)
    counts = rng.poisson(rates * duration * 1e-3)
    pres_idx = np.repeat(np.arange(n_pres), counts.sum(axis=1))
    neuron = np.repeat(np.tile(np.arange(n_in), n_pres), counts.ravel())
    times = onsets[pres_idx] + rng.random(neuron.size) * duration
    times = np.round(times / resolution) * resolution
    times = np.clip(times, onsets[pres_idx] + resolution, None)
    order = np.lexsort((times, neuron))
    times, neuron = times[order], neuron[order]
    fresh = np.ones(times.size, dtype=bool)
    fresh[1:] = (neuron[1:] != neuron[:-1]) | (np.abs(times[1:] - times[:-1]) > resolution / 2)
    times, neuron = times[fresh], neuron[fresh]
    bounds = np.searchsorted(neuron, np.arange(n_in + 1))
    return np.split(times, bounds[1:-1])
