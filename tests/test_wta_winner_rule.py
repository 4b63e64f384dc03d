"""The winner rules: which z spikes count as the WTA's decision (learning and read-out)."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.wta.metrics import winners_from_spikes
from neurohw.networks.wta.training import spikes_to_observables
from neurohw.networks.wta.winner_rule import (WinnerRuleError, decision_mask,
                                              presentation_index)

ONSETS = np.array([0.0, 50.0])
DURATION = 30.0
#: presentation 0: neuron 0 wins at 1 ms, 1 and 2 follow inside the loop latency, 0 fires again,
#: neuron 1 starts a new race at 20 ms; a gap spike at 40 ms; presentation 1: 3 and 2 tie at 60.5.
TIMES = np.array([1.0, 2.0, 3.0, 3.0, 20.0, 21.0, 40.0, 60.5, 60.5, 61.0, 65.0])
IDS = np.array([0, 1, 0, 2, 1, 0, 1, 3, 2, 3, 2])


def test_presentation_index_marks_gaps():
    assert presentation_index(TIMES, ONSETS, DURATION).tolist() == [0, 0, 0, 0, 0, 0, -1, 1, 1,
                                                                    1, 1]


def test_all_rule_keeps_every_spike():
    assert decision_mask(TIMES, IDS, ONSETS, DURATION, "all").all()


def test_first_rule_keeps_the_first_spike_and_ties():
    mask = decision_mask(TIMES, IDS, ONSETS, DURATION, "first")
    assert np.flatnonzero(mask).tolist() == [0, 7, 8]


def test_latency_rule_keeps_the_first_neuron_of_every_race():
    mask = decision_mask(TIMES, IDS, ONSETS, DURATION, "latency", latency=2.5)
    # race 1 (1..3 ms): neuron 0 keeps both spikes; race 2 (20, 21 ms): neuron 1;
    # presentation 1: the tie 3/2 at 60.5 keeps both, 3 again at 61; 65 ms is a new race of 2
    assert np.flatnonzero(mask).tolist() == [0, 2, 4, 7, 8, 9, 10]
    # a longer latency merges the two races of presentation 0 into one won by neuron 0
    longer = decision_mask(TIMES, IDS, ONSETS, DURATION, "latency", latency=20.0)
    assert np.flatnonzero(longer).tolist() == [0, 2, 5, 7, 8, 9, 10]


def test_mask_does_not_depend_on_spike_order():
    perm = np.random.default_rng(0).permutation(TIMES.size)
    for rule in ("first", "latency"):
        mask = decision_mask(TIMES[perm], IDS[perm], ONSETS, DURATION, rule)
        np.testing.assert_array_equal(mask, decision_mask(TIMES, IDS, ONSETS, DURATION,
                                                          rule)[perm])


def test_bad_rule_and_latency_are_refused():
    with pytest.raises(WinnerRuleError, match="winner_rule must be one of"):
        decision_mask(TIMES, IDS, ONSETS, DURATION, "last")
    with pytest.raises(WinnerRuleError, match="latency"):
        decision_mask(TIMES, IDS, ONSETS, DURATION, "latency", latency=0.0)


def test_first_spike_of_a_poisson_race_samples_softmax():
    """Nessler et al. (2013): z_k fires with intensity ∝ exp(u_k). The first spike of a race of
    Poisson neurons is neuron k with probability softmax(u)_k, however many follow it."""
    rng = np.random.default_rng(3)
    u = np.array([1.0, 0.0, -0.5, 0.7])
    rates = 0.05 * np.exp(u)                                      # spikes per ms
    n_pres, duration = 4000, 200.0
    onsets = np.arange(n_pres) * (duration + 10.0)
    counts = rng.poisson(rates[None, :] * duration, size=(n_pres, u.size))
    ids = np.repeat(np.tile(np.arange(u.size), n_pres), counts.ravel())
    pres = np.repeat(np.repeat(np.arange(n_pres), u.size), counts.ravel())
    times = onsets[pres] + rng.random(ids.size) * duration
    winners = winners_from_spikes(times, ids, onsets, duration, u.size, rule="first")
    freq = np.bincount(winners[winners >= 0], minlength=u.size) / np.sum(winners >= 0)
    softmax = np.exp(u) / np.exp(u).sum()
    np.testing.assert_allclose(freq, softmax, atol=0.025)
    # the count-based read-out of the same spikes exaggerates the favourite (argmax-like)
    by_count = winners_from_spikes(times, ids, onsets, duration, u.size, rule="all")
    assert np.mean(by_count == 0) > softmax[0] + 0.05


def test_observables_hold_only_counted_spikes():
    inputs = [np.array([0.5, 19.0]), np.array([59.0])]
    z_trains = [TIMES[IDS == k] for k in range(4)]
    obs = spikes_to_observables(inputs, z_trains, 10.0, ONSETS, DURATION, "first")
    assert obs["n_z_spikes"] == TIMES.size
    assert obs["z_times"].tolist() == [1.0, 60.5, 60.5]
    assert sorted(obs["winners"].tolist()) == [0, 2, 3]
    assert obs["active"].tolist() == [[1, 0], [0, 1], [0, 1]]
    every = spikes_to_observables(inputs, z_trains, 10.0)
    assert every["winners"].size == TIMES.size


def test_calibration_targets_follow_the_placement_order():
    """Relays first (short synaptic time constant, reset below rest), then z and interneurons."""
    from neurohw.networks.wta.chip_calibration import wta_calibration_targets
    from neurohw.networks.wta.circuit import CircuitParameters

    params = CircuitParameters()
    targets = wta_calibration_targets(params, n_inputs=5, n_z=3)
    n = 5 + 3 + params.n_inh
    assert all(v.shape == (n,) for v in targets.values())
    np.testing.assert_array_equal(targets["tau_syn_E"][:5], params.relay_tau_syn)
    np.testing.assert_array_equal(targets["tau_syn_E"][5:], params.tau_syn_E)
    np.testing.assert_array_equal(targets["v_reset"], [params.v_reset - 5.0] * 5
                                  + [params.v_reset] * (n - 5))
    np.testing.assert_array_equal(targets["tau_refrac"][5:], params.tau_refrac)
