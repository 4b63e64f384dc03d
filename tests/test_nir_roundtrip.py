"""NIR export/import (neurohw.nir): round trips give the same spikes; bad input is refused.

Round trip: spike sources -> IF_curr_exp hidden layer -> IF_curr_exp output layer (excitatory and
inhibitory weights, per-synapse delays, i_offset, non-default initial v) is run, exported, loaded
on the same backend and run again: every spike train must be identical, on NEST
(``spike_precision="on_grid"``, i.e. ``iaf_psc_exp``) and on the ideal emulator.
"""

from __future__ import annotations

import numpy as np
import pytest

nir = pytest.importorskip("nir")
h5py = pytest.importorskip("h5py")

import neurohw  # noqa: E402
from neurohw import nir as hwnir  # noqa: E402

DT = 0.1
T_STOP = 150.0
CELL = dict(tau_m=12.0, cm=0.25, tau_syn_E=4.0, tau_syn_I=4.0, v_rest=-65.0, v_thresh=-55.0,
            v_reset=-70.0, tau_refrac=0.0, i_offset=0.05)


def _setup(name):
    if name == "nest":
        from neurohw.errors import BackendUnavailableError
        try:
            sim = neurohw.backend("nest")
        except BackendUnavailableError as err:  # pragma: no cover - CI has NEST
            pytest.skip(f"NEST not available: {err}")
        sim.setup(timestep=DT, min_delay=DT, spike_precision="on_grid")
    else:
        sim = neurohw.backend("emulator")
        sim.setup(timestep=DT, min_delay=DT, ideal=True)
    return sim


def _stimulus():
    rng = np.random.default_rng(3)
    return [np.sort(rng.choice(np.arange(10, 1200), 12, replace=False)) * DT for _ in range(4)]


def _build(sim, spikes):
    rng = np.random.default_rng(5)
    stim = sim.Population(4, sim.SpikeSourceArray(spike_times=spikes), label="stim")
    hidden = sim.Population(3, sim.IF_curr_exp(**CELL), label="hidden")
    out = sim.Population(2, sim.IF_curr_exp(**CELL), label="out")
    hidden.initialize(v=np.array([-65.0, -60.0, -57.5]))
    w1 = rng.uniform(0.5, 2.0, (4, 3))
    d1 = np.round(rng.uniform(0.1, 3.0, (4, 3)), 1)
    prjs = [
        sim.Projection(stim, hidden, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=w1, delay=d1), receptor_type="excitatory"),
        sim.Projection(hidden, out, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=1.2, delay=2.0), receptor_type="excitatory"),
        sim.Projection(hidden, out, sim.FromListConnector([(0, 1, -0.8, 1.0), (2, 0, -0.5, 0.3)],
                                                          column_names=["weight", "delay"]),
                       sim.StaticSynapse(), receptor_type="inhibitory"),
        # recurrent (a cycle through neurons, fine in PyNN)
        sim.Projection(out, out, sim.FromListConnector([(0, 1, 0.7, 1.5)],
                                                       column_names=["weight", "delay"]),
                       sim.StaticSynapse(), receptor_type="excitatory"),
    ]
    return stim, hidden, out, prjs


def _spikes(pop):
    return [np.asarray(st.magnitude) for st in pop.get_data("spikes").segments[0].spiketrains]


@pytest.mark.parametrize("backend", ["nest", "emulator"])
def test_round_trip_gives_identical_spikes(backend, tmp_path):
    spikes = _stimulus()
    sim = _setup(backend)
    stim, hidden, out, prjs = _build(sim, spikes)
    for pop in (hidden, out):
        pop.record("spikes")
    sim.run(T_STOP)
    ref = {"hidden": _spikes(hidden), "out": _spikes(out)}
    path = hwnir.export([stim, *prjs], tmp_path / "net.nir")
    sim.end()
    assert sum(len(s) for s in ref["hidden"]) > 5 and sum(len(s) for s in ref["out"]) > 5

    sim = _setup(backend)
    net = hwnir.load(path, sim, input_spikes={"stim": spikes})
    assert set(net.inputs) == {"stim"} and set(net.outputs) == {"out_output"}
    assert net.approximations == []
    for name in ("hidden", "out"):
        net.populations[name].record("spikes")
    sim.run(T_STOP)
    for name in ("hidden", "out"):
        for a, b in zip(ref[name], _spikes(net.populations[name])):
            np.testing.assert_array_equal(a, b)
    sim.end()


def test_voltage_scale_and_offset_are_exact(tmp_path):
    """v -> 2 v - 10 mV with currents x 2 is a change of variables: the same spikes."""
    spikes = _stimulus()
    runs = []
    for kw in ({}, {"voltage_scale": 2.0, "voltage_offset": -10.0}):
        sim = _setup("emulator")
        if not runs:
            stim, hidden, out, prjs = _build(sim, spikes)
            hwnir.export([stim, *prjs], tmp_path / "net.nir")
            sim.end()
            sim = _setup("emulator")
        net = hwnir.load(tmp_path / "net.nir", sim, input_spikes={"stim": spikes}, **kw)
        net.populations["out"].record("spikes")
        sim.run(T_STOP)
        runs.append(_spikes(net.populations["out"]))
        if kw:
            assert net.populations["out"].get("v_thresh") == pytest.approx(2 * -55.0 - 10.0)
        sim.end()
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_export_writes_exact_cubalif_parameters(tmp_path):
    sim = _setup("emulator")
    stim, hidden, out, prjs = _build(sim, _stimulus())
    hwnir.export([stim, *prjs], tmp_path / "net.nir")
    sim.end()
    graph = nir.read(tmp_path / "net.nir")
    lif = graph.nodes["hidden"]
    assert type(lif).__name__ == "CubaLIF"
    np.testing.assert_allclose(lif.tau_mem, 0.012)            # s
    np.testing.assert_allclose(lif.tau_syn, 0.004)            # s
    np.testing.assert_allclose(lif.r, 12.0 / 0.25)            # MOhm = tau_m / cm
    np.testing.assert_allclose(lif.v_leak, -65.0 + 48.0 * 0.05)  # v_rest + r * i_offset (mV)
    np.testing.assert_allclose(lif.w_in, 0.004)               # = tau_syn: Linear weights are nA
    delays = sorted(float(n.delay[0]) for n in graph.nodes.values() if isinstance(n, nir.Delay))
    assert 3e-4 in np.round(delays, 9) and 2e-3 in np.round(delays, 9)  # 0.3 ms, 2 ms in s


def _write(path, nodes, edges):
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges, type_check=False))
    return path


def _cuba(n=2, **kw):
    p = dict(tau_syn=np.full(n, 5e-3), tau_mem=np.full(n, 2e-2), r=np.full(n, 1.0),
             v_leak=np.zeros(n), v_threshold=np.full(n, 1.0))
    p.update(kw)
    return nir.CubaLIF(**p)


def _ff(path, delay=True):
    nodes = {"in": nir.Input(input_type={"input": np.array([2])}),
             "w": nir.Affine(weight=np.array([[0.3, 0.0], [0.0, 0.3]]), bias=np.zeros(2)),
             "lif": _cuba(), "out": nir.Output(output_type={"output": np.array([2])})}
    edges = [("in", "w"), ("lif", "out")]
    if delay:
        nodes["d"] = nir.Delay(delay=np.full(2, 1e-3))
        edges += [("w", "d"), ("d", "lif")]
    else:
        edges += [("w", "lif")]
    return _write(path, nodes, edges)


def test_discrete_time_graph_loads_with_stated_conventions(tmp_path):
    """A snnTorch-style graph (no Delay, spikes as one-step pulses) loads only when asked to."""
    path = _ff(tmp_path / "ff.nir", delay=False)
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRUnsupportedNodeError, match="zero_delay"):
        hwnir.load(path, sim)
    sim.end()
    sim = _setup("emulator")
    with pytest.warns(hwnir.NIRApproximationWarning, match="one time step"):
        net = hwnir.load(path, sim, zero_delay="timestep", spike_width=1e-3)
    (prj,) = net.projections["in->lif"]
    w = np.asarray(prj.get("weight", format="list", with_address=False), float)
    np.testing.assert_allclose(w, 0.3 * 1.0 * 1e-3 / 5e-3)   # w_in * W * dt / tau_syn (nA)
    np.testing.assert_allclose(prj.get("delay", format="list", with_address=False), DT)
    assert net.populations["lif"].get("cm") == pytest.approx(20.0)  # tau_m / r: 20 ms / 1 MOhm
    sim.end()


def test_affine_bias_becomes_i_offset(tmp_path):
    nodes = {"in": nir.Input(input_type={"input": np.array([2])}),
             "w": nir.Affine(weight=np.eye(2), bias=np.array([0.5, -1.0])),
             "d": nir.Delay(delay=np.full(2, 2e-4)), "lif": _cuba(w_in=np.array([2.0, 2.0]))}
    path = _write(tmp_path / "b.nir", nodes, [("in", "w"), ("w", "d"), ("d", "lif")])
    sim = _setup("emulator")
    net = hwnir.load(path, sim)
    np.testing.assert_allclose(net.populations["lif"].get("i_offset"), [1.0, -2.0])
    sim.end()


# ----------------------------------------------------------------- bad input ----------------------

def test_not_a_nir_file(tmp_path):
    sim = _setup("emulator")
    text = tmp_path / "x.nir"
    text.write_text("hello")
    with pytest.raises(hwnir.NIRFormatError, match="not an HDF5"):
        hwnir.load(text, sim)
    other = tmp_path / "y.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(hwnir.NIRFormatError, match="not a NIR graph"):
        hwnir.load(other, sim)
    sim.end()


def test_newer_nir_version_is_refused(tmp_path):
    path = _ff(tmp_path / "v.nir")
    with h5py.File(path, "r+") as f:
        del f["version"]
        f.create_dataset("version", data="99.0.0", dtype=h5py.string_dtype())
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRVersionError, match="99.0.0"):
        hwnir.load(path, sim)
    sim.end()


def test_missing_parameter_names_the_node(tmp_path):
    path = _ff(tmp_path / "m.nir")
    with h5py.File(path, "r+") as f:
        del f["node/nodes/lif/tau_mem"]
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRMissingParameterError, match="'lif'.*tau_mem"):
        hwnir.load(path, sim)
    sim.end()


def test_impossible_parameter_names_the_node(tmp_path):
    nodes = {"in": nir.Input(input_type={"input": np.array([2])}), "d": nir.Delay(delay=np.full(2, 1e-3)),
             "lif": _cuba(tau_mem=np.array([2e-2, -1.0]))}
    path = _write(tmp_path / "p.nir", nodes, [("in", "d"), ("d", "lif")])
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRMissingParameterError, match="'lif'.*tau_m must be > 0"):
        hwnir.load(path, sim)
    sim.end()


def test_cycle_without_neuron_is_refused(tmp_path):
    nodes = {"in": nir.Input(input_type={"input": np.array([2])}),
             "a": nir.Linear(weight=np.eye(2)), "b": nir.Linear(weight=np.eye(2)), "lif": _cuba()}
    path = _write(tmp_path / "c.nir", nodes, [("in", "a"), ("a", "b"), ("b", "a"), ("b", "lif")])
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRCycleError, match="a -> b -> a|b -> a -> b"):
        hwnir.load(path, sim)
    sim.end()


def test_recurrent_cycle_through_neurons_is_realised(tmp_path):
    nodes = {"in": nir.Input(input_type={"input": np.array([2])}),
             "w": nir.Linear(weight=np.eye(2)), "d": nir.Delay(delay=np.full(2, 1e-3)),
             "rec": nir.Linear(weight=np.array([[0.0, 0.5], [0.5, 0.0]])),
             "rd": nir.Delay(delay=np.full(2, 2e-3)), "lif": _cuba()}
    edges = [("in", "w"), ("w", "d"), ("d", "lif"), ("lif", "rec"), ("rec", "rd"), ("rd", "lif")]
    sim = _setup("emulator")
    net = hwnir.load(_write(tmp_path / "r.nir", nodes, edges), sim)
    assert set(net.projections) == {"in->lif", "lif->lif"}
    np.testing.assert_allclose(net.projections["lif->lif"][0].get("delay", format="list",
                                                                 with_address=False), 2.0)
    sim.end()


@pytest.mark.parametrize("node, reason", [
    (nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 1, 3, 3)), stride=1, padding=0, dilation=1,
                groups=1, bias=np.zeros(1)), "convolutions are not expanded"),
    (nir.IF(r=np.ones(2), v_threshold=np.ones(2)), "perfect integrate-and-fire"),
    (nir.LIF(tau=np.full(2, 0.02), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
     "filterless_tau_syn"),
])
def test_unsupported_node_names_node_and_reason(tmp_path, node, reason):
    nodes = {"in": nir.Input(input_type={"input": np.array([2])}), "x": node}
    path = _write(tmp_path / "u.nir", nodes, [("in", "x")])
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRUnsupportedNodeError, match=f"'x'.*{reason}"):
        hwnir.load(path, sim)
    sim.end()


def test_export_refuses_inexact_and_writes_nothing(tmp_path):
    sim = _setup("emulator")
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[1.0], [2.0]]))
    cond = sim.Population(2, sim.IF_cond_exp())
    refr = sim.Population(2, sim.IF_curr_exp(tau_refrac=2.0))
    target = tmp_path / "net.nir"
    for post, match in ((cond, "IF_cond_exp"), (refr, "tau_refrac")):
        prj = sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1))
        with pytest.raises(hwnir.NIRExportError, match=match):
            hwnir.export([prj], target)
    assert list(tmp_path.iterdir()) == []
    sim.end()


def test_unknown_node_type_is_refused(tmp_path):
    path = _ff(tmp_path / "k.nir")
    with h5py.File(path, "r+") as f:
        del f["node/nodes/lif/type"]
        f.create_dataset("node/nodes/lif/type", data="QuantumLIF", dtype=h5py.string_dtype())
    sim = _setup("emulator")
    with pytest.raises(hwnir.NIRUnsupportedNodeError, match="'lif'.*QuantumLIF"):
        hwnir.load(path, sim)
    sim.end()


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def broken_write(filename, graph, **kw):
        with open(filename, "wb") as fh:
            fh.write(b"half a file")
        raise OSError("disk full")

    sim = _setup("emulator")
    stim, hidden, out, prjs = _build(sim, _stimulus())
    monkeypatch.setattr(nir, "write", broken_write)
    with pytest.raises(OSError, match="disk full"):
        hwnir.export([stim, *prjs], tmp_path / "net.nir")
    assert list(tmp_path.iterdir()) == []
    sim.end()
