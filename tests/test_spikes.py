"""neo -> array helpers against hand-computed expectations."""

from __future__ import annotations

import neo
import numpy as np
import pytest
import quantities as pq

from neurohw.errors import SpikeDataError
from neurohw.spikes import (binned_states, firing_rates, psp_traces, refractory_states,
                            spike_counts, spike_time_arrays)


def _segment():
    seg = neo.Segment()
    # given out of order on purpose: the helpers order trains by source_index
    seg.spiketrains.append(neo.SpikeTrain([0.005, 0.0251] * pq.s, t_start=0 * pq.s,
                                          t_stop=0.05 * pq.s, source_index=1))
    seg.spiketrains.append(neo.SpikeTrain([1.0, 2.0, 12.0, 49.0] * pq.ms, t_start=0 * pq.ms,
                                          t_stop=50 * pq.ms, source_index=0))
    seg.spiketrains.append(neo.SpikeTrain([] * pq.ms, t_start=0 * pq.ms, t_stop=50 * pq.ms,
                                          source_index=2))
    return seg


def test_arrays_are_in_ms_and_ordered_by_index():
    times = spike_time_arrays(_segment())
    np.testing.assert_allclose(times[0], [1, 2, 12, 49])
    np.testing.assert_allclose(times[1], [5.0, 25.1])
    assert times[2].size == 0


def test_block_segment_selection():
    block = neo.Block()
    block.segments.append(neo.Segment())
    block.segments.append(_segment())
    assert spike_counts(block, segment=1).tolist() == [4, 2, 0]
    with pytest.raises(SpikeDataError, match="segment=5"):
        spike_counts(block, segment=5)


def test_counts_and_rates_in_window():
    seg = _segment()
    assert spike_counts(seg).tolist() == [4, 2, 0]
    assert spike_counts(seg, 2 * pq.ms, 0.025 * pq.s).tolist() == [2, 1, 0]  # [2, 25) ms
    rates = firing_rates(seg, 0, 50)
    assert rates.units == pq.Hz
    np.testing.assert_allclose(rates.magnitude, [80.0, 40.0, 0.0])


def test_binned_states():
    states = binned_states(_segment(), 10 * pq.ms)
    expected = np.zeros((5, 3), dtype=np.uint8)
    expected[0, 0] = 1          # 1, 2 ms
    expected[1, 0] = 1          # 12 ms
    expected[4, 0] = 1          # 49 ms
    expected[0, 1] = 1          # 5 ms
    expected[2, 1] = 1          # 25.1 ms
    np.testing.assert_array_equal(states, expected)


def test_refractory_states_window_is_half_open():
    # one spike at 2.0 ms, tau_ref 3 ms, dt 1 ms: z=1 at t = 2, 3, 4 (t - 3 < 2 <= t)
    z = refractory_states([np.array([2.0])], 3.0, 1.0, 0.0, 8.0)
    assert z[:, 0].tolist() == [0, 0, 1, 1, 1, 0, 0, 0]
    # overlapping windows of two spikes merge
    z = refractory_states([np.array([1.0, 2.5])], 2.0, 0.5, 0.0, 6.0)
    assert z[:, 0].tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]


def test_psp_traces_exact_decay():
    tau, dt = 10.0, 1.0
    r = psp_traces([np.array([0.5, 3.0])], tau, dt, 0.0, 6.0)[:, 0]
    t = np.arange(6.0)
    expected = np.where(t >= 0.5, np.exp(-(t - 0.5) / tau), 0) + \
        np.where(t >= 3.0, np.exp(-(t - 3.0) / tau), 0)
    np.testing.assert_allclose(r, expected, rtol=1e-12)


def test_plain_arrays_need_t_stop_and_bad_input_is_refused():
    with pytest.raises(SpikeDataError, match="t_stop"):
        binned_states([np.array([1.0])], 1.0)
    with pytest.raises(SpikeDataError, match="later than t_start"):
        spike_counts([np.array([1.0])], 5.0, 5.0)
    with pytest.raises(SpikeDataError, match="not a time"):
        binned_states(_segment(), 5 * pq.mV)
    with pytest.raises(SpikeDataError, match="sequence of spike trains"):
        spike_counts("spikes")


def test_agrees_with_elephant_binning():
    pytest.importorskip("elephant")
    from elephant.conversion import BinnedSpikeTrain

    seg = _segment()
    by_index = [st.rescale(pq.ms) for st in
                sorted(seg.spiketrains, key=lambda st: st.annotations["source_index"])]
    reference = BinnedSpikeTrain(by_index, bin_size=10 * pq.ms).to_bool_array()
    np.testing.assert_array_equal(binned_states(seg, 10 * pq.ms).T, reference.astype(np.uint8))
