"""Alpha-shaped synapses on the emulator: parity of the ideal emulator with NEST
(``iaf_psc_alpha``, ``iaf_cond_alpha``, ``aeif_cond_alpha`` through pyNN.nest), the alpha time
course itself, and the realistic chip accepting the alpha cell types.

NEST set-up as in ``tests/test_parity_nest.py``: ``min_delay=0.1`` and
``spike_precision="on_grid"``. Stimulus: one neuron driven by excitatory and inhibitory
SpikeSourceArray inputs (bursts), a step current and a DC pulse, 200 ms.

Tolerances asserted (measured values in brackets, NEST 3.10):

- every type: the same number of spikes (3, 3, 15), every spike time within one time step
  [identical];
- ``IF_curr_alpha``: max |dv| < 1e-6 mV [3e-13: exact propagators on both sides];
- ``IF_cond_alpha``: max |dv| < 1e-3 mV [2.7e-4; NEST integrates with adaptive RKF45 at an
  absolute tolerance of 1e-3], max |dg| < 1e-5 uS on ``gsyn_exc``/``gsyn_inh`` [1.3e-7];
- ``EIF_cond_alpha_isfa_ista``: mean |dv| < 0.01 mV and max |dv| < 0.1 mV [0.0012 and 0.0099],
  max |dg| < 1e-5 uS [2e-12].
"""

from __future__ import annotations

import numpy as np
import pytest

import neurohw

DT = 0.1

#: (excitatory weight, inhibitory weight, step-current amplitude) per cell type: uS or nA.
STIMULUS = {
    "IF_curr_alpha": (3.0, -0.8, 1.5),
    "IF_cond_alpha": (0.1, 0.05, 1.5),
    "EIF_cond_alpha_isfa_ista": (0.03, 0.02, 1.0),
}
#: (max |dv| in mV, mean |dv| in mV or None) asserted per cell type.
TOLERANCE = {
    "IF_curr_alpha": (1e-6, None),
    "IF_cond_alpha": (1e-3, None),
    "EIF_cond_alpha_isfa_ista": (0.1, 0.01),
}


def _single_neuron(sim, celltype: str, setup_kw: dict) -> dict[str, np.ndarray]:
    sim.setup(timestep=DT, min_delay=DT, **setup_kw)
    w_exc, w_inh, step = STIMULUS[celltype]
    cond = "cond" in celltype
    p = sim.Population(1, getattr(sim, celltype)())
    exc = sim.Population(1, sim.SpikeSourceArray(
        spike_times=[5.0, 20.0, 22.0, 24.0, 60.0, 61.0, 62.0, 63.0, 64.0]))
    inh = sim.Population(1, sim.SpikeSourceArray(spike_times=[40.0, 45.0, 150.0]))
    sim.Projection(exc, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=w_exc, delay=1.0))
    sim.Projection(inh, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=w_inh, delay=1.5),
                   receptor_type="inhibitory")
    sim.StepCurrentSource(times=[100.0, 130.0, 170.0], amplitudes=[step, 0.3, 0.0]).inject_into(p)
    sim.DCSource(amplitude=0.1, start=180.0, stop=190.0).inject_into(p)
    p.record(["v", "spikes"] + (["gsyn_exc", "gsyn_inh"] if cond else []))
    sim.run(200.0)
    seg = p.get_data().segments[0]
    out = {"spikes": np.asarray(seg.spiketrains[0]),
           "v": np.asarray(seg.filter(name="v")[0])[:, 0]}
    if cond:
        for name in ("gsyn_exc", "gsyn_inh"):
            out[name] = np.asarray(seg.filter(name=name)[0])[:, 0]
    sim.end()
    return out


@pytest.mark.nest
@pytest.mark.parametrize("celltype", list(STIMULUS))
def test_single_neuron_alpha_parity(nest_sim, celltype):
    emulator = neurohw.backend("emulator")
    ref = _single_neuron(nest_sim, celltype, {"spike_precision": "on_grid"})
    emu = _single_neuron(emulator, celltype, {"ideal": True})
    assert ref["spikes"].size >= 3, "the stimulus must make the neuron fire"
    assert emu["spikes"].size == ref["spikes"].size
    assert np.max(np.abs(emu["spikes"] - ref["spikes"])) <= DT + 1e-9
    assert emu["v"].shape == ref["v"].shape
    dv = np.abs(emu["v"] - ref["v"])
    max_dv, mean_dv = TOLERANCE[celltype]
    assert dv.max() < max_dv, f"max |dv| = {dv.max():.3g} mV"
    if mean_dv is not None:
        assert dv.mean() < mean_dv, f"mean |dv| = {dv.mean():.3g} mV"
    for name in ("gsyn_exc", "gsyn_inh"):
        if name in ref:
            assert ref[name].max() > 0.01, "the conductance must be driven"
            assert np.max(np.abs(emu[name] - ref[name])) < 1e-5


def _psc_after_one_spike(celltype: str, weight: float, tau: float, variable: str,
                         ideal: bool = True) -> np.ndarray:
    """``variable`` of one neuron after a single input spike at 10 ms (delay 1 ms: arrival at
    11 ms on the ideal emulator)."""
    sim = neurohw.backend("emulator")
    extra = {} if ideal else {"distortions": {"membrane_noise": False}}
    sim.setup(timestep=DT, min_delay=DT, ideal=ideal, seed=1, chip_seed=1, **extra)
    cell = sim.Population(1, getattr(sim, celltype)(tau_syn_E=tau))
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
    sim.Projection(src, cell, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=weight, delay=1.0))
    cell.record(variable)
    sim.run(40.0)
    trace = np.asarray(cell.get_data().segments[0].filter(name=variable)[0])[:, 0]
    sim.end()
    return trace


@pytest.mark.parametrize("celltype, variable, weight",
                         [("IF_curr_alpha", "isyn_exc", 2.0),
                          ("IF_cond_alpha", "gsyn_exc", 0.02),
                          ("EIF_cond_alpha_isfa_ista", "gsyn_exc", 0.02)])
def test_alpha_time_course_peaks_at_the_weight(celltype, variable, weight):
    """g(t) = w (t/tau) exp(1 - t/tau) after the spike arrives (t = 11 ms): 0 before, peak
    exactly w at t = tau_syn, the alpha function at every sample."""
    tau = 2.0
    trace = _psc_after_one_spike(celltype, weight, tau, variable)
    t = np.arange(trace.size) * DT - 11.0
    expected = np.where(t > 0, weight * (t / tau) * np.exp(1.0 - t / tau), 0.0)
    np.testing.assert_allclose(trace, expected, rtol=1e-9, atol=1e-12 * weight)
    assert trace.argmax() * DT == pytest.approx(11.0 + tau)
    assert trace.max() == pytest.approx(weight, rel=1e-12)


def test_exponential_types_keep_their_shape():
    """The shape flag is per cell type: IF_cond_exp still jumps by w and decays."""
    tau = 2.0
    sim = neurohw.backend("emulator")
    sim.setup(timestep=DT, min_delay=DT, ideal=True)
    cell = sim.Population(1, sim.IF_cond_exp(tau_syn_E=tau))
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
    sim.Projection(src, cell, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.02, delay=1.0))
    cell.record("gsyn_exc")
    sim.run(20.0)
    g = np.asarray(cell.get_data().segments[0].filter(name="gsyn_exc")[0])[:, 0]
    sim.end()
    t = np.arange(g.size) * DT - 11.0
    np.testing.assert_allclose(g, np.where(t >= -1e-9, 0.02 * np.exp(-t / tau), 0.0),
                               rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("celltype, exp_type", [("IF_curr_alpha", "IF_curr_exp"),
                                                ("IF_cond_alpha", "IF_cond_exp"),
                                                ("EIF_cond_alpha_isfa_ista",
                                                 "EIF_cond_exp_isfa_ista")])
def test_chip_realises_alpha_types_like_their_exponential_counterparts(celltype, exp_type):
    """Default (realistic) chip: an alpha type's parameters are realised exactly as its
    exponential counterpart's on the same circuits (same DACs, fixed-pattern noise), and a PyNN
    script with it runs, the synaptic conductance/current rising over about tau_syn."""
    from neurohw.backends.emulator.chip import CELL_TYPE_PARAMETERS, Chip

    assert CELL_TYPE_PARAMETERS[celltype] == CELL_TYPE_PARAMETERS[exp_type]
    chip = Chip(preset="bss1", chip_seed=4)
    defaults = getattr(neurohw.backend("emulator"), exp_type).default_parameters
    params = {k: np.full(8, float(v)) for k, v in defaults.items()}
    params.update(tau_syn_E=np.full(8, 2.0), tau_syn_I=np.full(8, 3.0))
    circuits = np.arange(8)
    alpha_real, alpha_codes = chip.realise_neuron_parameters(celltype, params, circuits)
    exp_real, exp_codes = chip.realise_neuron_parameters(exp_type, params, circuits)
    for key in exp_real:
        np.testing.assert_array_equal(alpha_real[key], exp_real[key], err_msg=key)
    for key in exp_codes:
        np.testing.assert_array_equal(alpha_codes[key], exp_codes[key], err_msg=key)
    assert np.ptp(alpha_real["tau_syn_E"]) > 0  # distorted: this compared realised values

    variable = "isyn_exc" if "curr" in celltype else "gsyn_exc"
    trace = _psc_after_one_spike(celltype, 1.0 if "curr" in celltype else 0.02, 2.0, variable,
                                 ideal=False)
    peak = int(trace.argmax())
    assert trace[peak] > 0 and trace[0] == 0.0
    # arrival at 11 ms (routing delay 1 ms); an exponential synapse would peak right there
    assert peak * DT > 12.0 and trace[peak - 5] < trace[peak]
