"""Performance of a WTA circuit on a mixture: held-out accuracy with an online label map.

Each WTA neuron gets the label of the hidden cause it has most often won for, counted in an
exponentially decaying confusion matrix (``decay`` per iteration). An iteration is scored with the
map learnt from the *previous* iterations only, so the score is held out; right after a lesion the
old map still applies and the score shows the damage. A presentation in which no neuron fired
counts as wrong. Chance level is ``1 / n_causes``.
"""

from __future__ import annotations

import numpy as np


class OnlineLabelMap:
    """Decaying (n_z, n_causes) confusion counts and the accuracy they imply."""

    def __init__(self, n_z: int, n_causes: int, decay: float = 0.9) -> None:
        self.decay = float(decay)
        self.confusion = np.zeros((n_z, n_causes))

    def labels(self) -> np.ndarray:
        """(n_z,) cause each neuron stands for; -1 for a neuron that has not won yet."""
        has = self.confusion.sum(axis=1) > 0
        return np.where(has, np.argmax(self.confusion, axis=1), -1)

    def accuracy(self, winners: np.ndarray, causes: np.ndarray) -> float:
        """Fraction of presentations whose winner's label equals the true cause."""
        labels = self.labels()
        predicted = np.where(winners >= 0, labels[np.maximum(winners, 0)], -1)
        return float(np.mean(predicted == causes))

    def add(self, winners: np.ndarray, causes: np.ndarray) -> None:
        """Decay the counts and add this iteration's (winner, cause) pairs."""
        self.confusion *= self.decay
        fired = winners >= 0
        np.add.at(self.confusion, (winners[fired], causes[fired]), 1.0)
