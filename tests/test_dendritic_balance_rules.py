"""Plasticity rules of the dendritic-balance network on small cases with known answers."""

import numpy as np
import pytest

from neurohw.networks.dendritic_balance import rules
from neurohw.networks.dendritic_balance.errors import DendriticBalanceError


def _samples(rng, S=4000, n_x=6, n_z=4, delay=True):
    x = rng.random((S, n_x))
    r = rng.random((S, n_z)) + 0.3 * x[:, :n_z]
    r_d = np.roll(r, 2, axis=0)
    r_self = np.roll(r, 1, axis=0) if delay else None
    return x, r, r_d, r_self


def _stats(x, r, r_d, r_self):
    st = rules.TraceStatistics(x.shape[1], r.shape[1])
    st.add(x, r, r_d, np.zeros_like(r), r_self)
    return st


def test_dendritic_inhibition_converges_to_optimal_decoder_without_delay():
    rng = np.random.default_rng(0)
    x, r, r_d, _ = _samples(rng, delay=False)
    st = _stats(x, r, r_d, None)
    F = rng.uniform(0.2, 1.0, (4, 6))
    W = np.zeros((4, 6, 4))
    decay = 0.01
    eta = rules.lms_step_scale(st)
    for _ in range(3000):
        W += eta * rules.dendritic_inhibition_update(F, W, st, decay)
    D_opt = rules.optimal_decoder(st, ridge=decay, delayed=True)          # [n_x, n_z]
    np.testing.assert_allclose(W / F[:, :, None], np.broadcast_to(D_opt, (4, 6, 4)), atol=1e-6)
    # a balanced compartment carries F_ij times the coding error of input j
    u = rules.dendritic_potentials(F, W, x[:5], r_d[:5])
    error = (x[:5] - r_d[:5] @ D_opt.T)[:, None, :]
    np.testing.assert_allclose(u / F[None], np.broadcast_to(error, u.shape), atol=1e-6)


def test_dendritic_inhibition_with_delay_solves_each_compartments_regression():
    rng = np.random.default_rng(1)
    x, r, r_d, r_self = _samples(rng)
    st = _stats(x, r, r_d, r_self)
    F = rng.uniform(0.2, 1.0, (4, 6))
    W = np.zeros((4, 6, 4))
    for _ in range(4000):
        W += 0.5 * rules.dendritic_inhibition_update(F, W, st, 0.0)
    for i in range(4):
        arrived = r_d.copy()
        arrived[:, i] = r_self[:, i]                 # own trace arrives undelayed
        D_i = np.linalg.lstsq(arrived, x, rcond=None)[0].T
        np.testing.assert_allclose(W[i] / F[i][:, None], D_i, atol=1e-5)


def test_somatic_inhibition_equals_summed_dendritic_inhibition_at_balance():
    rng = np.random.default_rng(2)
    x, r, r_d, r_self = _samples(rng)
    st = _stats(x, r, r_d, r_self)
    F = rng.uniform(0.2, 1.0, (4, 6))
    W, V = np.zeros((4, 6, 4)), np.zeros((4, 4))
    for _ in range(4000):
        W += 0.5 * rules.dendritic_inhibition_update(F, W, st, 0.01)
        V += 0.5 * rules.somatic_inhibition_update(F, V, st, 0.01)
    np.testing.assert_allclose(V, W.sum(axis=1), atol=1e-6)
    v_db = rules.somatic_potential_db(F, W.sum(axis=1), x[:7], r_d[:7], r_self[:7])
    u = rules.dendritic_potentials(F, W, x[:7], r_d[:7], r_self[:7])
    np.testing.assert_allclose(v_db, u.sum(axis=2), atol=1e-10)


def test_db_input_rule_is_the_decoder_loss_gradient_when_balanced():
    rng = np.random.default_rng(3)
    x, r, r_d, _ = _samples(rng, delay=False)
    st = _stats(x, r, r_d, None)
    F = rng.uniform(0.5, 1.0, (4, 6))
    D = rng.normal(size=(6, 4))
    W = F[:, :, None] * D[None]                       # balanced with decoder D
    dF = rules.db_input_update(F, W, st, decay=0.0, epsilon=1e-9)
    err = x - r_d @ D.T
    grad = (r.T @ err) / len(x)                       # <r_i (x_j - (D r_d)_j)>
    np.testing.assert_allclose(dF, grad, rtol=1e-6, atol=1e-9)


def test_sb_input_rule_ignores_the_other_neurons():
    rng = np.random.default_rng(4)
    x, r, r_d, _ = _samples(rng, delay=False)
    st = _stats(x, r, r_d, None)
    F = rng.uniform(0.0, 1.0, (4, 6))
    expected = (r.T @ x) / len(x) - F * np.mean(r * r, axis=0)[:, None]
    np.testing.assert_allclose(rules.sb_input_update(F, st), expected, atol=1e-12)
    # its fixed point is each neuron's own regression coefficient <r_i x> / <r_i^2>
    F_star = (r.T @ x) / np.sum(r * r, axis=0)[:, None]
    np.testing.assert_allclose(rules.sb_input_update(F_star, st), 0.0, atol=1e-12)


def test_decoder_update_is_minus_the_loss_gradient():
    rng = np.random.default_rng(5)
    x, r, r_d, _ = _samples(rng, S=200, delay=False)
    st = _stats(x, r, r_d, None)
    D = rng.normal(size=(6, 4))

    def loss(D_):
        return 0.5 * np.mean(np.sum((x - r @ D_.T) ** 2, axis=1))

    h = 1e-6
    num = np.zeros_like(D)
    for idx in np.ndindex(D.shape):
        Dp, Dm = D.copy(), D.copy()
        Dp[idx] += h
        Dm[idx] -= h
        num[idx] = (loss(Dp) - loss(Dm)) / (2 * h)
    np.testing.assert_allclose(rules.decoder_update(D, st), -num, rtol=1e-5, atol=1e-7)
    # iterating it reaches the least-squares decoder
    for _ in range(5000):
        D += rules.lms_step_scale(st, delayed=False) * rules.decoder_update(D, st)
    np.testing.assert_allclose(D, rules.optimal_decoder(st), atol=1e-6)


def test_threshold_update_pushes_rates_towards_target():
    d = rules.threshold_update(np.array([0.01, 0.02, 0.05]), 0.02)
    assert d[0] > 0 and d[1] == 0 and d[2] < 0


def test_statistics_reject_mismatched_shapes():
    st = rules.TraceStatistics(6, 4)
    with pytest.raises(DendriticBalanceError, match="expect x"):
        st.add(np.zeros((3, 6)), np.zeros((3, 5)), np.zeros((3, 5)))


def test_analytic_inhibition_is_the_fixed_point_of_learned_inhibition():
    """``W = F ⊗ D*`` (the paper's "analytic" network) is where dendritic inhibitory plasticity stops."""
    rng = np.random.default_rng(3)
    x, r, r_d, _ = _samples(rng, delay=False)
    st = _stats(x, r, r_d, None)
    F = rng.uniform(0.2, 1.0, (4, 6))
    decay = 0.01
    W = rules.analytic_dendritic_inhibition(F, rules.optimal_decoder(st, ridge=decay, delayed=True))
    assert W.shape == (4, 6, 4)
    np.testing.assert_allclose(rules.dendritic_inhibition_update(F, W, st, decay), 0.0, atol=1e-10)
    W_off = rules.analytic_dendritic_inhibition(F, np.zeros((6, 4)))
    assert np.abs(rules.dendritic_inhibition_update(F, W_off, st, decay)).max() > 0.05
