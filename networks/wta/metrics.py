"""How well an unsupervised WTA circuit has learned: cluster quality and component recovery.

* :func:`winners_from_spikes` -- which z-neuron answered each presentation (most spikes among
  those the winner rule counts, ties to the earliest spike; see ``winner_rule``);
* :func:`label_neurons` -- each z-neuron takes the majority class of the training samples it won;
* :func:`cluster_scores` -- held-out accuracy of that labelling and the conditional entropy
  ``H(label | winner)`` in bits (0 = every winner identifies the class);
* :func:`match_components` -- correlation of learned to true Bernoulli components (synthetic data);
* :func:`weight_images` -- the learned ``p(pixel on | z_k)`` as images.
"""

from __future__ import annotations

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.networks.wta.winner_rule import decision_mask

__all__ = [
    "WtaMetricError",
    "winners_from_spikes",
    "label_neurons",
    "cluster_scores",
    "learned_on_probabilities",
    "match_components",
    "weight_images",
]


class WtaMetricError(NeurohwError, ValueError):
    """Inputs to a metric that do not fit together."""


def winners_from_spikes(z_times: np.ndarray, z_ids: np.ndarray, onsets: np.ndarray,
                        duration: float, n_neurons: int, rule: str = "all",
                        latency: float = 2.5) -> np.ndarray:
    """The z-neuron that answered each presentation; -1 where no z-neuron fired.

    Among the spikes that ``rule`` counts (:func:`~neurohw.networks.wta.winner_rule.decision_mask`;
    ``"all"``: every spike, ``"first"``: the first spike, ``"latency"``: the first neuron of each
    race, ``latency`` ms apart) the neuron with most spikes wins, ties to the earliest spike.

    Parameters
    ----------
    z_times, z_ids
        all z spikes (ms) and the index of the neuron that fired each.
    onsets, duration
        presentation p covers ``[onsets[p], onsets[p] + duration)`` (ms); the windows must not
        overlap.
    n_neurons
        number of z-neurons K.
    """
    onsets = np.asarray(onsets, dtype=float)
    z_times = np.asarray(z_times, dtype=float).ravel()
    z_ids = np.asarray(z_ids, dtype=np.int64).ravel()
    counted = decision_mask(z_times, z_ids, onsets, duration, rule, latency)
    z_times, z_ids = z_times[counted], z_ids[counted]
    pres = np.searchsorted(onsets, z_times, side="right") - 1
    inside = (pres >= 0) & (z_times < onsets[np.clip(pres, 0, None)] + duration)
    pres, ids, times = pres[inside], z_ids[inside], z_times[inside]
    counts = np.zeros((onsets.size, n_neurons))
    np.add.at(counts, (pres, ids), 1.0)
    first = np.full((onsets.size, n_neurons), np.inf)
    np.minimum.at(first, (pres, ids), times)
    # most spikes wins; among equal counts the earliest first spike
    score = counts - 1e-6 * (first - onsets[:, None]).clip(0, 1e5) / 1e5
    winners = np.argmax(np.where(counts > 0, score, -np.inf), axis=1)
    winners[counts.sum(axis=1) == 0] = -1
    return winners


def label_neurons(winners: np.ndarray, labels: np.ndarray, n_neurons: int,
                  n_classes: int) -> np.ndarray:
    """Majority class of the samples each z-neuron won (-1 for neurons that never won)."""
    winners = np.asarray(winners, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    ok = winners >= 0
    table = np.zeros((n_neurons, n_classes))
    np.add.at(table, (winners[ok], labels[ok]), 1.0)
    out = np.argmax(table, axis=1)
    out[table.sum(axis=1) == 0] = -1
    return out


def cluster_scores(winners: np.ndarray, labels: np.ndarray, neuron_labels: np.ndarray,
                   n_classes: int) -> dict[str, float]:
    """Accuracy of the neuron labelling and ``H(label | winner)`` (bits) on a set of samples.

    A presentation without a winner counts as wrong and as its own "no answer" outcome in the
    entropy. Also reports ``chance`` (accuracy of always answering the most frequent class) and
    ``n_active`` (distinct winners).
    """
    winners = np.asarray(winners, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if winners.shape != labels.shape:
        raise WtaMetricError(f"{winners.size} winners for {labels.size} labels")
    predicted = np.where(winners >= 0, np.asarray(neuron_labels)[np.clip(winners, 0, None)], -1)
    accuracy = float(np.mean(predicted == labels))
    outcome = np.where(winners >= 0, winners, len(neuron_labels))
    joint = np.zeros((len(neuron_labels) + 1, n_classes))
    np.add.at(joint, (outcome, labels), 1.0)
    joint /= joint.sum()
    p_w = joint.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(joint > 0, joint * np.log2(joint / p_w), 0.0)
    return {
        "accuracy": accuracy,
        "conditional_entropy_bits": float(-terms.sum()),
        "label_entropy_bits": float(-np.sum(np.where(joint.sum(0) > 0, joint.sum(0)
                                                      * np.log2(joint.sum(0) + 1e-300), 0.0))),
        "chance": float(np.bincount(labels).max() / labels.size),
        "no_answer": float(np.mean(winners < 0)),
        "n_active": int(np.unique(winners[winners >= 0]).size),
    }


def learned_on_probabilities(weights: np.ndarray, n_features: int) -> np.ndarray:
    """``p(pixel on | z_k)`` implied by ON/OFF weights: ``e^w_on / (e^w_on + e^w_off)``.

    ``weights`` is (K, 2 * n_features) with the ON block first (see ``data.on_off_code``).
    """
    weights = np.asarray(weights, dtype=float)
    if weights.shape[1] != 2 * n_features:
        raise WtaMetricError(f"weights have {weights.shape[1]} inputs, expected "
                             f"2 x {n_features} (ON/OFF)")
    on, off = weights[:, :n_features], weights[:, n_features:]
    return 1.0 / (1.0 + np.exp(off - on))


def match_components(learned: np.ndarray, true: np.ndarray) -> dict[str, np.ndarray | float]:
    """Best-matching learned component (Pearson correlation) for each true component.

    Returns ``correlation`` (per true component, the best correlation over learned ones),
    ``index`` (which learned component) and ``min_correlation``.
    """
    learned = np.asarray(learned, dtype=float)
    true = np.asarray(true, dtype=float)
    if learned.shape[1] != true.shape[1]:
        raise WtaMetricError(f"learned components have {learned.shape[1]} features, true ones "
                             f"{true.shape[1]}")
    a = learned - learned.mean(axis=1, keepdims=True)
    b = true - true.mean(axis=1, keepdims=True)
    a /= np.linalg.norm(a, axis=1, keepdims=True) + 1e-12
    b /= np.linalg.norm(b, axis=1, keepdims=True) + 1e-12
    corr = b @ a.T                                       # (n_true, n_learned)
    best = np.argmax(corr, axis=1)
    values = corr[np.arange(true.shape[0]), best]
    return {"correlation": values, "index": best, "min_correlation": float(values.min())}


def weight_images(probabilities: np.ndarray, image_shape: tuple[int, int], path,
                  titles: list[str] | None = None) -> None:
    """Save ``p(pixel on | z_k)`` of every z-neuron as a grid of images (PNG at ``path``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    probabilities = np.asarray(probabilities, dtype=float)
    n = probabilities.shape[0]
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.4 * rows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(probabilities[k].reshape(image_shape), cmap="gray_r", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(titles[k], fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
