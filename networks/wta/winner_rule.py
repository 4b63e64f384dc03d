"""Which z spikes of a presentation are the WTA's decision (and drive learning).

In the stochastic WTA of Nessler et al. (2013, PLoS Comput Biol 9:e1003037) neuron k fires with
intensity ``r_k ∝ exp(u_k)`` and the lateral inhibition lets only one neuron answer at a time.
For such a race of independent Poisson clocks the neuron that fires *first* is distributed as
``r_k / sum_j r_j = softmax(u)_k`` (the minimum of exponential waiting times), so the first z spike
of a presentation is already a sample of the posterior the rule needs. Every spike after it was
fired before the inhibition it triggered could arrive: with the fixed 1 ms routing delay of a
bss1 chip on every synapse the loop z -> inh -> z takes about 2.5 ms, several z-neurons answer one
presentation, and if all of them apply the STDP update their weights drift towards the same
average pattern.

The host computes the update from the recorded spike trains, so it can decide which spikes count:

* ``"all"`` -- every z spike is a sample (the paper's rule with ideal, instantaneous inhibition);
* ``"first"`` -- only the first z spike of each presentation (the winner of the race); spikes at
  exactly the same time (one time step) all count, since the race was a tie;
* ``"latency"`` -- the spikes of a presentation fall into episodes separated by quiet gaps of at
  least ``latency`` ms (the inhibition loop latency); in each episode the neuron that fired first
  keeps all its spikes and the neurons the inhibition could not yet stop lose theirs. A new race
  after the circuit fell quiet counts again (several samples per presentation).

:func:`decision_mask` selects the spikes (learning); ``metrics.winners_from_spikes`` reads the
winner of a presentation the same way (``"all"``: most spikes; ``"first"``/``"latency"``: first
spike) so that learning and the accuracy metric agree.
"""

from __future__ import annotations

import numpy as np

from neurohw.errors import NeurohwError

__all__ = ["WINNER_RULES", "WinnerRuleError", "check_winner_rule", "presentation_index",
           "decision_mask"]

#: The available winner rules (see the module docstring).
WINNER_RULES = ("all", "first", "latency")

#: Spikes closer than this (ms) count as simultaneous (one time step is >= 0.01 ms everywhere).
_SAME_TIME_MS = 1e-6


class WinnerRuleError(NeurohwError, ValueError):
    """An unknown winner rule or inconsistent spike data."""


def check_winner_rule(rule: str) -> str:
    """Return ``rule`` if it names a winner rule; otherwise raise :class:`WinnerRuleError`."""
    if rule not in WINNER_RULES:
        raise WinnerRuleError(f"winner_rule must be one of {', '.join(WINNER_RULES)}, "
                              f"got {rule!r}")
    return rule


def presentation_index(times: np.ndarray, onsets: np.ndarray, duration: float) -> np.ndarray:
    """Index of the presentation ``[onsets[p], onsets[p] + duration)`` holding each time (ms).

    ``onsets`` must be increasing and the windows must not overlap; -1 for times in no window.
    """
    times = np.asarray(times, dtype=float).ravel()
    onsets = np.asarray(onsets, dtype=float).ravel()
    if onsets.size == 0:
        return np.full(times.size, -1, dtype=np.int64)
    pres = np.searchsorted(onsets, times, side="right") - 1
    inside = (pres >= 0) & (times < onsets[np.clip(pres, 0, None)] + duration)
    return np.where(inside, pres, -1).astype(np.int64)


def decision_mask(times: np.ndarray, ids: np.ndarray, onsets: np.ndarray, duration: float,
                  rule: str = "all", latency: float = 2.5) -> np.ndarray:
    """Boolean mask of the z spikes that count as the circuit's decision under ``rule``.

    Parameters
    ----------
    times, ids
        every z spike (ms, any order) and the index of the neuron that fired it.
    onsets, duration
        presentation windows in ms (see :func:`presentation_index`).
    rule
        one of :data:`WINNER_RULES`. ``"all"`` keeps every spike (also those in the gaps).
    latency
        ``"latency"`` rule only: the inhibition loop latency in ms (z -> inh -> z; about
        ``2 * delay + 0.5`` ms for the LIF circuit).
    """
    check_winner_rule(rule)
    times = np.asarray(times, dtype=float).ravel()
    ids = np.asarray(ids, dtype=np.int64).ravel()
    if times.shape != ids.shape:
        raise WinnerRuleError(f"{times.size} spike times but {ids.size} neuron ids")
    if rule == "all" or times.size == 0:
        return np.ones(times.size, dtype=bool)
    pres = presentation_index(times, onsets, duration)
    inside = pres >= 0
    if rule == "first":
        first = np.full(np.asarray(onsets).size, np.inf)
        np.minimum.at(first, pres[inside], times[inside])
        mask = np.zeros(times.size, dtype=bool)
        mask[inside] = times[inside] <= first[pres[inside]] + _SAME_TIME_MS
        return mask
    if not latency > 0:
        raise WinnerRuleError(f"the loop latency must be a positive duration in ms, got {latency}")
    # episodes: runs of spikes (time order, one presentation) with gaps shorter than the latency;
    # the neuron(s) of an episode's first spike won its race and keep all their spikes in it
    order = np.lexsort((ids, times))
    t, k, p = times[order], ids[order], pres[order]
    new_episode = np.ones(t.size, dtype=bool)
    new_episode[1:] = (p[1:] != p[:-1]) | (np.diff(t) >= latency)
    episode = np.cumsum(new_episode) - 1
    episode_start = np.flatnonzero(new_episode)
    t0 = t[episode_start][episode]
    winners = np.zeros((episode_start.size, int(k.max()) + 1), dtype=bool)
    starters = t <= t0 + _SAME_TIME_MS
    winners[episode[starters], k[starters]] = True
    keep_sorted = (p >= 0) & winners[episode, k]
    mask = np.zeros(times.size, dtype=bool)
    mask[order] = keep_sorted
    return mask
