"""``neurohw.projection_io.write_weights`` writes exactly what ``Projection.set`` writes."""

import numpy as np
import pytest

import neurohw
from neurohw.projection_io import ProjectionWeightsError, write_weights


def _twin_projections(sim, cell, receptor, sign, seed):
    sim.setup(timestep=0.1)
    pre = sim.Population(6, sim.SpikeSourceArray(spike_times=[[5.0 + i] for i in range(6)]))
    post = sim.Population(5, cell())
    connector = sim.FixedProbabilityConnector(0.6, rng=sim.NumpyRNG(seed=seed))
    a = sim.Projection(pre, post, connector, sim.StaticSynapse(weight=sign * 0.001),
                       receptor_type=receptor, label="written")
    b = sim.Projection(pre, post, sim.FromListConnector(a.get([], format="list")),
                       sim.StaticSynapse(weight=sign * 0.001), receptor_type=receptor,
                       label="set")
    return a, b


@pytest.mark.parametrize("cell,receptor,sign", [
    ("IF_cond_exp", "excitatory", 1.0),
    ("IF_cond_exp", "inhibitory", 1.0),      # conductances are positive in PyNN, negative in NEST
    ("IF_curr_exp", "inhibitory", -1.0),     # current-based inhibition is negative in PyNN
])
def test_matches_projection_set_on_nest(nest_sim, cell, receptor, sign):
    a, b = _twin_projections(nest_sim, getattr(nest_sim, cell), receptor, sign, seed=3)
    matrix = sign * np.random.default_rng(1).uniform(0.001, 0.02, (6, 5))
    write_weights(nest_sim, a, matrix)
    b.set(weight=matrix)
    got_a = a.get("weight", format="array")
    got_b = b.get("weight", format="array")
    connected = ~np.isnan(got_b)
    assert connected.sum() == len(a) > 0
    np.testing.assert_allclose(got_a[connected], matrix[connected], rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(got_a), np.isnan(got_b))
    np.testing.assert_allclose(got_a[connected], got_b[connected], rtol=1e-12)
    nest_sim.run(30.0)    # NEST accepts what was written (signs, units) and runs on
    nest_sim.end()


def test_rejects_missing_wrong_sign_and_wrong_shape(nest_sim):
    a, _ = _twin_projections(nest_sim, nest_sim.IF_cond_exp, "excitatory", 1.0, seed=4)
    matrix = np.full((6, 5), 0.01)
    with pytest.raises(ProjectionWeightsError, match="shape"):
        write_weights(nest_sim, a, matrix[:, :4])
    with pytest.raises(ProjectionWeightsError, match=">= 0"):
        write_weights(nest_sim, a, -matrix)
    with pytest.raises(ProjectionWeightsError, match="no finite weight"):
        write_weights(nest_sim, a, np.full((6, 5), np.nan))
    nest_sim.end()


def test_other_backends_go_through_projection_set():
    sim = neurohw.backend("emulator")
    a, b = _twin_projections(sim, sim.IF_cond_exp, "excitatory", 1.0, seed=5)
    matrix = np.random.default_rng(2).uniform(0.001, 0.02, (6, 5))
    write_weights(sim, a, matrix)
    b.set(weight=matrix)
    np.testing.assert_array_equal(a.get("weight", format="array"),
                                  b.get("weight", format="array"))
    sim.end()
