"""Fitting math of the calibration on synthetic data with known answers."""

from __future__ import annotations

import numpy as np

from neurohw.hw_calibration import analysis, fit_lines


def test_linear_and_log_fits_invert_exactly():
    rng = np.random.default_rng(1)
    n = 50
    codes = np.array([200.0, 500.0, 800.0])[:, None] * np.ones(n)
    a, b = rng.uniform(-100, 100, n), rng.uniform(0.5, 2.0, n)
    f = fit_lines(codes, a + b * codes, "linear")
    np.testing.assert_allclose(f.slope, b)
    want = rng.uniform(500, 1000, n)
    real = f.real_codes(want, np.arange(n))
    np.testing.assert_allclose(a + b * real, want)
    g = fit_lines(codes, np.exp(a / 100 + 0.008 * b * codes), "log")
    np.testing.assert_allclose(g.predict(codes[1], np.arange(n)), np.exp(a / 100 + 0.008 * b * 500))
    c = g.codes(np.full(n, 5.0), np.arange(n), 1023)
    assert c.dtype == np.int64 and c.min() >= 0 and c.max() <= 1023


def test_fit_marks_circuits_without_enough_points():
    codes = np.array([[100.0, 100.0], [200.0, 200.0]])
    vals = np.array([[1.0, np.nan], [2.0, 3.0]])
    f = fit_lines(codes, vals, "linear")
    assert f.calibrated.tolist() == [True, False]


def test_relaxation_fit_recovers_tau_and_asymptote():
    rng = np.random.default_rng(0)
    dt, t = 0.1, np.arange(600) * 0.1
    tau = rng.uniform(5, 15, 32)  # segments last >= 4 tau
    vinf = rng.uniform(-70, -50, 32)
    v = vinf + (-80 - vinf) * np.exp(-t[:, None] / tau) + rng.normal(0, 0.2, (600, 32))
    ft, fv, _ = analysis.fit_relaxation(v, dt)
    assert np.max(np.abs(ft / tau - 1)) < 0.03
    assert np.max(np.abs(fv - vinf)) < 0.3


def _conductance_psps(n, dt, rng, noise):
    """Conductance PSPs ``C du/dt = -C/tau_m u + g0 exp(-t/tau_s) (D - u)`` integrated finely,
    sampled every ``dt`` from ``dt`` on (the regime calibration uses: fast membrane)."""
    tm = rng.uniform(1.1, 1.4, n)
    ts = rng.uniform(2.5, 8.0, n)
    g0 = rng.uniform(0.1, 0.2, n)
    drive = rng.choice([35.0, -15.0, -35.0, 15.0], n)
    h, u, out = 0.002, np.zeros(n), []
    steps = int(round(dt / h))
    for i in range(int(round(30.0 / h))):
        g = g0 * np.exp(-(i * h + h / 2) / ts)
        u = u + h * (-u / tm + g * (drive - u) / 0.2)
        if (i + 1) % steps == 0:
            out.append(u.copy())
    return np.array(out) + rng.normal(0, noise, (len(out), n)), tm, ts, g0, drive


def test_conductance_psp_fit_is_exact_without_noise_and_unbiased_with_noise():
    rng = np.random.default_rng(2)
    u, tm, ts, g0, drive = _conductance_psps(48, 0.2, rng, 0.0)
    fts, fg = analysis.fit_conductance_psp(u, 0.2, tm, 0.2, drive, t0=0.2)
    # exact up to the linear interpolation of the driving force between samples
    np.testing.assert_allclose(fts, ts, rtol=5e-3)
    np.testing.assert_allclose(fg, g0, rtol=5e-3)
    u, tm, ts, g0, drive = _conductance_psps(96, 0.2, rng, 0.15)
    fts, fg = analysis.fit_conductance_psp(u, 0.2, tm, 0.2, drive, t0=0.2)
    assert abs(np.mean(fts / ts - 1)) < 0.01 and np.std(fts / ts - 1) < 0.03
    assert abs(np.mean(fg / g0 - 1)) < 0.01 and np.std(fg / g0 - 1) < 0.03


def test_isi_and_counts():
    trains = [np.arange(10) * 2.0 + 1.0, np.array([5.0]), np.array([])]
    isi = analysis.mean_isi(trains, 0, 100)
    assert isi[0] == 2.0 and np.isnan(isi[1]) and np.isnan(isi[2])
    assert analysis.spike_counts(trains, 0, 6).tolist() == [3, 1, 0]
