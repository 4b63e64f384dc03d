"""Bookkeeping of rewiring: connected fraction, turnover, and survival of new synapses.

A synapse is *created* in the step where its theta crosses 0 upwards and *eliminated* where it
crosses downwards (Kappel et al. 2015, Fig. 5). Lifetimes of synapses created during the run are
binned (in iterations) up to a horizon; synapses that are still alive, or that a lesion removed,
are right-censored, and the survival curve is the Kaplan–Meier estimate.
"""

from __future__ import annotations

import numpy as np


class RewiringLog:
    """Counts creations/eliminations and the lifetimes of new synapses (arrays only, checkpointable)."""

    def __init__(self, shape: tuple[int, int], horizon: int = 60) -> None:
        self.horizon = int(horizon)
        self.birth = np.full(shape, -1, dtype=np.int64)       # iteration of creation, -1: none
        self.deaths = np.zeros(self.horizon + 1)                # by age (last bin: >= horizon)
        self.censored = np.zeros(self.horizon + 1)
        self.total_created = 0
        self.total_eliminated = 0

    def step(self, before: np.ndarray, after: np.ndarray, iteration: int,
             counted: np.ndarray) -> tuple[int, int]:
        """Record the change ``before -> after`` (bool masks) that took effect at ``iteration``.

        Only synapses in ``counted`` (e.g. of living neurons) enter the statistics. Returns the
        numbers of created and eliminated synapses.
        """
        created = after & ~before & counted
        eliminated = before & ~after & counted
        self._close(eliminated, iteration, self.deaths)
        self.birth[created] = iteration
        self.total_created += int(created.sum())
        self.total_eliminated += int(eliminated.sum())
        return int(created.sum()), int(eliminated.sum())

    def censor(self, mask: np.ndarray, iteration: int) -> None:
        """Stop following the synapses in ``mask`` without counting a death (lesion, end of run)."""
        self._close(mask, iteration, self.censored)

    def _close(self, mask: np.ndarray, iteration: int, into: np.ndarray) -> None:
        followed = mask & (self.birth >= 0)
        ages = np.minimum(iteration - self.birth[followed], self.horizon)
        np.add.at(into, ages, 1.0)
        self.birth[mask] = -1

    def survival_curve(self, iteration: int) -> np.ndarray:
        """Kaplan–Meier survival ``S(a)`` for ages ``a = 0..horizon`` (iterations), counting the
        synapses still alive at ``iteration`` as censored."""
        censored = self.censored.copy()
        alive = self.birth >= 0
        np.add.at(censored, np.minimum(iteration - self.birth[alive], self.horizon), 1.0)
        events = self.deaths + censored
        at_risk = np.cumsum(events[::-1])[::-1]                    # observed for >= a iterations
        hazard = np.divide(self.deaths, at_risk, out=np.zeros_like(at_risk), where=at_risk > 0)
        hazard[-1] = 0.0                                           # last bin is ">= horizon"
        return np.cumprod(1.0 - hazard)

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}birth": self.birth, f"{prefix}deaths": self.deaths,
                f"{prefix}censored": self.censored,
                f"{prefix}totals": np.array([self.total_created, self.total_eliminated])}

    def load(self, prefix: str, state: dict) -> None:
        self.birth = np.asarray(state[f"{prefix}birth"], dtype=np.int64)
        self.deaths = np.asarray(state[f"{prefix}deaths"], dtype=float)
        self.censored = np.asarray(state[f"{prefix}censored"], dtype=float)
        self.horizon = self.deaths.size - 1
        totals = np.asarray(state[f"{prefix}totals"])
        self.total_created, self.total_eliminated = int(totals[0]), int(totals[1])
