"""Tasks and the reference simulation: DB learns better codes than SB on correlated bars."""

from dataclasses import replace

import numpy as np
import pytest

from neurohw.networks.dendritic_balance.errors import DendriticBalanceError
from neurohw.networks.dendritic_balance.evaluation import (bar_composition, bar_selectivity, decoder_loss,
                                                           fit_decoder)
from neurohw.networks.dendritic_balance.experiments import (REFERENCE_PRESENTATION_MS, default_config,
                                                            run_reference)
from neurohw.networks.dendritic_balance.model import ModelConfig
from neurohw.networks.dendritic_balance.reference import train_reference
from neurohw.networks.dendritic_balance.tasks import BarsTask, ImagePatchTask, make_task


def test_bars_have_two_bars_and_correlated_pairs_at_rate_p():
    task = BarsTask(p=0.6)
    x = task.sample(4000, np.random.default_rng(0))
    bars = task.bars()
    overlap = x @ bars.T                                  # 8 for a present bar, <= 1 otherwise
    present = overlap >= 8 - 1e-9
    assert np.all(present.sum(axis=1) == 2)
    pairs = {tuple(sorted(p)) for p in task.correlated_pairs().tolist()}
    is_pair = np.array([tuple(np.flatnonzero(row)) in pairs for row in present])
    # p plus the chance that a random pair happens to be a correlated one (8 of 120 pairs)
    expected = 0.6 + 0.4 * 8 / 120
    assert abs(is_pair.mean() - expected) < 0.03
    with pytest.raises(DendriticBalanceError, match="p must be in"):
        BarsTask(p=1.5)


def test_image_patches_are_on_off_split_and_whitened():
    task = make_task("images")
    assert isinstance(task, ImagePatchTask)
    x = task.sample(2000, np.random.default_rng(1))
    assert x.shape == (2000, 128) and np.all(x >= 0)
    on, off = x[:, :64], x[:, 64:]
    assert not np.any((on > 0) & (off > 0))               # a pixel is ON or OFF, never both
    z = task.to_signed(x)
    whitened = np.corrcoef(z[:, 0], z[:, 1])[0, 1]
    from sklearn.datasets import load_sample_image
    img = load_sample_image("china.jpg").astype(float).mean(axis=2)
    raw = np.corrcoef(img[:, :-1].ravel(), img[:, 1:].ravel())[0, 1]
    assert abs(whitened) < 0.6 < raw          # whitening removed most of the 1/f correlation
    np.testing.assert_allclose(z.std(), task.gain, rtol=0.2)


def test_same_seed_same_network():
    task = BarsTask(p=0.5)
    cfg = ModelConfig()
    a = train_reference(cfg, task.sample, task.n_inputs, 20, seed=5).state
    b = train_reference(cfg, task.sample, task.n_inputs, 20, seed=5).state
    c = train_reference(cfg, task.sample, task.n_inputs, 20, seed=6).state
    np.testing.assert_array_equal(a.F, b.F)
    assert not np.array_equal(a.F, c.F)


def test_decoder_fit_and_bar_selectivity_on_known_codes():
    task = BarsTask(p=0.0)
    bars = task.bars()
    rng = np.random.default_rng(2)
    r = (rng.random((500, 16)) < 0.2).astype(float)
    x = np.minimum(r @ bars, 1.0)
    D = fit_decoder(x, r)
    assert decoder_loss(x, r, D) < decoder_loss(x, r, np.zeros_like(D))
    perfect = bar_selectivity(bars, bars)
    assert perfect["distinct_bars"] == 16 and perfect["single_bar_fraction"] == 1.0
    pairs = np.maximum(bars[:8], bars[8:])
    assert bar_selectivity(pairs, bars)["single_bar_fraction"] == 0.0


def test_bar_composition_names_cross_neurons_and_the_bars_they_hide():
    bars = BarsTask(p=0.4).bars()
    F = bars.copy()
    F[2] = 0.55 * bars[5] + 0.5 * bars[14]        # a cross of two bars that have their own neurons
    F[12] = bars[2] + bars[8]                       # a cross of two bars that have no neuron of their own
    F[8] = bars[12]                                 # bar 12 moves to neuron 8: bars 2 and 8 are uncoded
    F[0] = bars[1]                                  # a duplicate: bar 1 twice, bar 0 nowhere
    F[6] = bars[6] + 0.4 * bars[15]                 # a single bar with a faint copy of its partner
    out = bar_composition(F, bars)
    assert out["pair_neurons"] == [2, 12]
    assert out["missing_bars"] == [0, 2, 8]
    assert out["duplicate_bars"] == [1]
    np.testing.assert_allclose(out["coefficients"][12][[2, 8]], [1.0, 1.0], atol=0.05)
    assert 16 - len(out["missing_bars"]) == bar_selectivity(F, bars)["distinct_bars"]
    with pytest.raises(DendriticBalanceError):
        bar_composition(F[:, :10], bars)


@pytest.mark.parametrize("seed", [1, 2])
def test_short_bars_run_db_beats_sb(seed):
    """p = 0.5: DB's test loss is clearly below SB's and DB's neurons become single bars."""
    sb = run_reference("sb", BarsTask(p=0.5), presentations=200, seed=seed)["metrics"]
    db = run_reference("db", BarsTask(p=0.5), presentations=200, seed=seed)["metrics"]
    assert db["test_decoder_loss"] < 0.95 * sb["test_decoder_loss"], (db, sb)
    assert db["distinct_bars"] >= 10 > sb["distinct_bars"], (db, sb)
    for m in (db, sb):                                    # homeostasis holds the 20 Hz target
        assert 15.0 < m["test_rate_hz"] < 25.0


def test_reference_experiments_present_each_image_for_100_ms():
    cfg = default_config(BarsTask())
    assert cfg.steps_per_presentation * cfg.dt == REFERENCE_PRESENTATION_MS == 100.0
    assert cfg.fade_fraction == 0.3                    # the authors' fade into the next image
    assert ModelConfig().fade_fraction == 0.0          # the PyNN version keeps hard switches
    assert default_config(ImagePatchTask()).n_z == 32


def test_loss_vs_correlation_records_which_bars_are_missing():
    from neurohw.networks.dendritic_balance.experiments import loss_vs_correlation

    out = loss_vs_correlation(ps=(0.4,), seeds=(1,), presentations=3, rules_=("db",))["db"]
    assert np.shape(out["loss"]) == np.shape(out["distinct_bars"]) == np.shape(out["pair_neurons"]) == (1, 1)
    for bars, missing in zip(out["distinct_bars"][0], out["missing_bars"][0]):
        assert bars == 16 - len(missing)           # after 3 batches nothing is learned yet: 16 missing
    assert out["distinct_bars"][0] == [0.0]


def test_timestep_delay_runs_and_rejects_steps_that_do_not_divide_the_presentation():
    from neurohw.networks.dendritic_balance.experiments import loss_vs_timestep
    out = loss_vs_timestep(timesteps=(5.0,), seeds=(1,), presentations=5, rules_=("db",))
    assert out["dt_ms"] == [5.0] and np.isfinite(out["db"]["loss"][0][0])
    with pytest.raises(DendriticBalanceError, match="divide"):
        loss_vs_timestep(timesteps=(3.0,), seeds=(1,), presentations=1)


@pytest.mark.slow
def test_delay_hurts_sb_but_not_db():
    """Full-length runs (README table): with a 10-ms lateral delay DB stays near its no-delay loss."""
    losses = {}
    for rule in ("sb", "db"):
        for d in (0, 10):
            cfg = replace(default_config(BarsTask(p=0.0)), delay_steps=d)
            losses[rule, d] = np.mean([run_reference(rule, BarsTask(p=0.0), seed=s, config=cfg)
                                       ["metrics"]["test_decoder_loss"] for s in (1, 2)])
    assert losses["sb", 10] > 3.0 * losses["sb", 0]
    assert losses["db", 10] < 1.10 * losses["db", 0]
    assert losses["db", 10] < losses["sb", 0]


def test_cli_prints_one_json_object_and_writes_figures(tmp_path, capfd):
    import json

    from neurohw.networks.dendritic_balance.cli import main

    assert main(["--rule", "both", "--presentations", "5", "--json", "--out", str(tmp_path)]) == 0
    report = json.loads(capfd.readouterr().out)
    assert report["network"] == "dendritic-balance" and report["backend"] == "reference"
    assert set(report["results"]) == {"sb", "db"}
    assert report["db_minus_sb_test_loss"] == pytest.approx(
        report["results"]["db"]["test_decoder_loss"] - report["results"]["sb"]["test_decoder_loss"])
    for name in ("receptive_fields_db.png", "receptive_fields_sb.png", "metrics.json",
                 "weights_db.npz", "history_sb.csv"):
        assert (tmp_path / name).exists(), name
    assert main(["--delay", "-1"]) == 2


def test_10ms_delay_breaks_sb_learning_but_not_db_code():
    """Short run: a code DB learned without delay survives a 10-ms lateral delay, and learning
    under that delay costs DB far less than SB (whose learning breaks down)."""
    from neurohw.networks.dendritic_balance.experiments import delay_transfer
    out = delay_transfer(delays=(0, 10), seeds=(1,), presentations=200)
    (sb_0,), (sb_10,) = out["sb"]["trained_with_delay"]
    (db_0,), (db_10,) = out["db"]["trained_with_delay"]
    (db_0_frozen,), (db_frozen_10,) = out["db"]["trained_without_delay"]
    assert db_0_frozen == db_0                               # delay 0: the same trained network
    assert db_frozen_10 < 1.10 * db_0, out
    assert sb_10 > 3.0 * sb_0, out
    assert db_10 < 0.4 * sb_10, out


@pytest.mark.slow
@pytest.mark.parametrize("p", [0.4, 0.8])
def test_db_learns_one_bar_per_neuron_where_a_cross_neuron_formed_before(p):
    """Seed 2 kept a correlated pair on one "cross" neuron at p = 0.4 and 0.8 with hard image
    switches and 1500 batches; with the authors' fade and 4500 batches every bar has its own neuron."""
    res = run_reference("db", BarsTask(p=p), seed=2)
    composition = bar_composition(res["state"].F, BarsTask(p=p).bars())
    assert res["metrics"]["distinct_bars"] == 16, composition["missing_bars"]
    assert composition["pair_neurons"] == []
