"""A small excitatory/inhibitory network driven by Poisson input — runs on any neurohw backend.

    neurohw run examples/balanced_network.py --backend nest
    neurohw run examples/balanced_network.py --backend emulator
    python examples/balanced_network.py            # NEST, or $NEUROHW_BACKEND

Prints the mean firing rate of each population (Hz, biological time).
"""

import numpy as np

try:
    sim  # bound by `neurohw run`
except NameError:
    import neurohw

    sim = neurohw.script_backend()

N_EXC, N_INH = 80, 20
SIM_TIME = 1000.0  # ms (biological)

sim.setup(timestep=0.1, min_delay=1.0)
cell = sim.IF_cond_exp(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0,
                       tau_refrac=2.0, tau_syn_E=5.0, tau_syn_I=10.0)
exc = sim.Population(N_EXC, cell, label="excitatory")
inh = sim.Population(N_INH, cell, label="inhibitory")
noise = sim.Population(N_EXC + N_INH, sim.SpikeSourcePoisson(rate=20.0), label="noise")
all_cells = sim.Assembly(exc, inh)

rng = sim.NumpyRNG(seed=1234)
sim.Projection(noise, all_cells, sim.FixedNumberPreConnector(10, rng=rng),
               sim.StaticSynapse(weight=0.008, delay=1.0), receptor_type="excitatory")
sim.Projection(exc, all_cells, sim.FixedProbabilityConnector(0.1, rng=rng),
               sim.StaticSynapse(weight=0.004, delay=1.0), receptor_type="excitatory")
sim.Projection(inh, all_cells, sim.FixedProbabilityConnector(0.1, rng=rng),
               sim.StaticSynapse(weight=0.02, delay=1.0), receptor_type="inhibitory")

all_cells.record("spikes")
sim.run(SIM_TIME)

for pop in (exc, inh):
    trains = pop.get_data().segments[0].spiketrains
    rate = np.mean([len(st) for st in trains]) / (SIM_TIME / 1000.0)
    print(f"{pop.label:12s} {pop.size:4d} neurons  mean rate {rate:6.2f} Hz")
sim.end()
