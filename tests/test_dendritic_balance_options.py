"""Options of the reference simulation: the authors' image fade and the "analytic" inhibition."""

from dataclasses import replace

import numpy as np
import pytest

from neurohw.networks.dendritic_balance import rules
from neurohw.networks.dendritic_balance.errors import DendriticBalanceError
from neurohw.networks.dendritic_balance.learning import apply_plasticity
from neurohw.networks.dendritic_balance.model import ModelConfig, NetworkState
from neurohw.networks.dendritic_balance.reference import ReferenceNetwork
from neurohw.networks.dendritic_balance.tasks import BarsTask


def _network(**overrides):
    cfg = ModelConfig(steps_per_presentation=20, streams=3, **overrides)
    rng = np.random.default_rng(4)
    return cfg, ReferenceNetwork(cfg, NetworkState.initial(cfg, 64, rng), rng)


def test_fade_cross_fades_from_the_previous_image_over_the_first_fraction():
    task = BarsTask(p=0.0)
    x1, x2 = task.sample(3, np.random.default_rng(0)), task.sample(3, np.random.default_rng(1))
    cfg, net = _network(fade_fraction=0.3)
    first = net.present(x1, 0.5, record=True)
    np.testing.assert_array_equal(first.x.reshape(20, 3, 64), np.broadcast_to(x1, (20, 3, 64)))
    second = net.present(x2, 0.5, record=True).x.reshape(20, 3, 64)
    f = np.minimum(1.0, np.arange(1, 21) / 6.0)            # 30 % of 20 steps = 6 steps of fade
    expected = x1[None] + f[:, None, None] * (x2 - x1)[None]
    np.testing.assert_allclose(second, expected, atol=1e-12)
    assert np.array_equal(second[5:], np.broadcast_to(x2, (15, 3, 64)))     # fade over after 6 steps
    _, hard = _network()
    hard.present(x1, 0.5)
    np.testing.assert_array_equal(hard.present(x2, 0.5, record=True).x.reshape(20, 3, 64),
                                  np.broadcast_to(x2, (20, 3, 64)))
    rec = net.present(x1, 0.5, record=True)
    assert rec.x_sq == pytest.approx(float(np.sum(rec.x ** 2)))
    with pytest.raises(DendriticBalanceError, match="fade_fraction"):
        ModelConfig(fade_fraction=1.5)


def test_analytic_inhibition_follows_the_decoder_and_is_not_learned():
    cfg, net = _network(inhibition="analytic")
    task = BarsTask(p=0.5)
    rng = np.random.default_rng(2)
    for _ in range(3):
        stats = net.present(task.sample(3, rng), 0.5).stats
        apply_plasticity(cfg, net.state, stats)
    st = net.state
    assert np.abs(st.D).max() > 0
    np.testing.assert_allclose(st.W, rules.analytic_dendritic_inhibition(st.F, st.D))
    # the learned variant moves W by its own rule instead
    cfg_l = replace(cfg, inhibition="learned")
    W_before = st.W.copy()
    apply_plasticity(cfg_l, st, stats)
    assert not np.allclose(st.W, rules.analytic_dendritic_inhibition(st.F, st.D))
    assert not np.array_equal(st.W, W_before)
    with pytest.raises(DendriticBalanceError, match="inhibition"):
        ModelConfig(inhibition="exact")
