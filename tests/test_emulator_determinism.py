"""Determinism across processes: the same script with the same chip_seed and seed gives the same
spikes byte for byte, whatever the interpreter's hash seed (no set/dict-order, hash() or
time-based randomness in the emulator)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np

SCRIPT = r"""
import hashlib, json, sys
import numpy as np
import neurohw

sim = neurohw.backend("emulator")
sim.setup(timestep=0.1, chip_seed=7, seed=11)          # realistic (chip) mode
noise = sim.Population(40, sim.SpikeSourcePoisson(rate=20.0), label="noise")
cue = sim.Population(5, sim.SpikeSourceArray(
    spike_times=[[10.0 + 7.0 * k + i for k in range(20)] for i in range(5)]), label="cue")
exc = sim.Population(80, sim.IF_cond_exp(tau_m=15.0, i_offset=0.1), label="exc")
inh = sim.Population(20, sim.IF_cond_exp(tau_m=10.0), label="inh")
rng = sim.NumpyRNG(seed=3)
syn = lambda w: sim.StaticSynapse(weight=w, delay=1.0)
sim.Projection(noise, exc, sim.FixedProbabilityConnector(0.3, rng=rng), syn(0.006))
sim.Projection(cue, exc, sim.FixedProbabilityConnector(0.5, rng=rng), syn(0.008))
sim.Projection(exc, exc, sim.FixedProbabilityConnector(0.1, rng=rng), syn(0.003))
sim.Projection(exc, inh, sim.FixedProbabilityConnector(0.2, rng=rng), syn(0.004))
sim.Projection(inh, exc, sim.FixedProbabilityConnector(0.2, rng=rng), syn(0.01),
               receptor_type="inhibitory")
for pop in (noise, exc, inh):
    pop.record("spikes")
sim.run(300.0)
sim.reset()
sim.run(200.0)
digest = hashlib.sha256()
n = 0
for pop in (noise, exc, inh):
    for seg in pop.get_data().segments:
        for st in seg.spiketrains:
            arr = np.ascontiguousarray(np.asarray(st.magnitude, dtype=np.float64))
            digest.update(arr.tobytes() + b"|")
            n += arr.size
print(json.dumps({"sha256": digest.hexdigest(), "n_spikes": n}))
"""


def _run(hash_seed: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=240, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_same_seeds_same_spikes_in_two_processes_with_different_hash_seeds():
    a, b = _run("0"), _run("4242")
    assert a["n_spikes"] > 500                 # a network that actually spikes
    assert a == b


def _poisson_window(sim, ideal: bool, runs_before: int, seed: int):
    sim.setup(timestep=0.1, ideal=ideal, chip_seed=3, seed=5)
    src = sim.Population(30, sim.SpikeSourcePoisson(rate=50.0))
    cells = sim.Population(10, sim.IF_cond_exp(tau_m=15.0))
    sim.Projection(src, cells, sim.FixedProbabilityConnector(0.5, rng=sim.NumpyRNG(seed=1)),
                   sim.StaticSynapse(weight=0.01, delay=1.0))
    src.record("spikes")
    for _ in range(runs_before):
        sim.run(50.0)
    t0 = sim.get_current_time()
    sim.reseed(seed)
    sim.run(100.0)
    trains = src.get_data().segments[0].spiketrains
    return [np.asarray(st.magnitude)[np.asarray(st.magnitude) > t0] - t0 for st in trains]


def test_reseed_makes_the_noise_independent_of_earlier_runs():
    """sim.reseed(s) (NEST: rng_seed) gives the same noise whether or not runs came before,
    so a resumed run sees what an uninterrupted one saw; another seed gives other noise."""
    import neurohw

    sim = neurohw.backend("emulator")
    for ideal in (True, False):
        fresh = _poisson_window(sim, ideal, 0, 9)
        later = _poisson_window(sim, ideal, 3, 9)
        other = _poisson_window(sim, ideal, 0, 10)
        assert sum(t.size for t in fresh) > 50
        assert all(np.allclose(a, b) and a.size == b.size for a, b in zip(fresh, later))
        assert not all(a.size == b.size and np.allclose(a, b) for a, b in zip(fresh, other))
