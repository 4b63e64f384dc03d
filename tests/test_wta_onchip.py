"""On-chip learning of the WTA's input weights (``neurohw train wta --plasticity on-chip``).

Short runs only (a few presentations): the input projection is the chip's ``OnlineEMSynapse``
with the config's parameters, the chip changes the weights during a run and the host reads them
back without writing them again, evaluation leaves them alone, bss1 and NEST are refused with
errors that name the alternative, and ``--plasticity host`` stays what it was.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import neurohw
from neurohw.hil import HILTrainer
from neurohw.networks.wta.bayesnet_training import BayesNetConfig
from neurohw.networks.wta.circuit import (CircuitParameters, OnChipEm, OnChipPlasticityError,
                                          build_wta_circuit, input_synapse)
from neurohw.networks.wta.cli import backend_config, build_parser, main
from neurohw.networks.wta.data import load_digits_binary
from neurohw.networks.wta.onchip_training import (FROZEN_ETA, OnChipWtaExperiment,
                                                  WtaOnChipRule)
from neurohw.networks.wta.run import make_experiment, make_rule
from neurohw.networks.wta.training import WtaConfig, WtaExperiment, WtaStdpRule


@pytest.fixture(scope="module")
def x_train():
    return load_digits_binary(seed=0).x_train[:40]


def _config(**kw) -> WtaConfig:
    """On-chip settings with 4 presentations per iteration. The tests skip the calibration
    (10 s), and the uncalibrated bss2 chip's z-neurons hardly fire at the calibrated default
    weight scale (0.007 nA per log unit), so the weights are scaled up."""
    config = replace(backend_config("emulator", plasticity="on-chip", batch=4), **kw)
    return replace(config, circuit=replace(config.circuit, weight_scale=0.06))


def _trainer(x, config, iterations, checkpoint=None, setup_kwargs=None):
    experiment = OnChipWtaExperiment(x, config, setup_kwargs or {"chip_seed": 0})
    rule = WtaOnChipRule(experiment.n_inputs, config)
    sim = neurohw.backend("emulator")
    return HILTrainer(sim, experiment, rule, iterations=iterations, seed=1,
                      checkpoint_path=checkpoint, checkpoint_every=1, progress=False,
                      fingerprint={"config": config.fingerprint()}), experiment


def test_on_chip_input_projection_is_the_chips_online_em_synapse(x_train):
    config = _config(eta_chip=0.03, window=12.0)
    sim, experiment = make_experiment("emulator", x_train, config, {"chip_seed": 0})
    assert isinstance(experiment, OnChipWtaExperiment)
    assert experiment.setup_kwargs["preset"] == "bss2"          # the default for on-chip
    experiment.build(sim)
    prj = experiment.circuit.input_projection
    assert isinstance(prj.synapse_type, sim.OnlineEMSynapse)
    for name, value in (("eta", 0.03), ("window", 12.0), ("log_c", config.log_c),
                        ("w_max", config.circuit.weight_scale * config.log_c)):
        np.testing.assert_allclose(prj.get(name, format="array"), value)
    assert isinstance(make_rule(experiment.n_inputs, config), WtaOnChipRule)
    sim.end()


def test_chip_learns_the_weights_and_the_host_only_reads_them(x_train):
    config = _config(eta_chip=0.05)
    trainer, experiment = _trainer(x_train, config, iterations=2)
    result = trainer.train()
    assert experiment.weight_writes == 1                         # the initial weights only
    assert all(h["z_spikes_per_presentation"] > 0 for h in result.history)
    assert all(h["weight_change_mean_abs"] > 0 for h in result.history)
    # what the rule returns is what the chip holds (read back with prj.get), in the log domain
    chip = np.nan_to_num(np.asarray(experiment.circuit.input_projection.get(
        "weight", format="array"), dtype=float)).T / config.circuit.weight_scale
    np.testing.assert_array_equal(result.parameters["weights"], chip)
    step = config.log_c / 63                                      # bss2: 6-bit weight codes
    np.testing.assert_allclose(chip / step, np.rint(chip / step), atol=1e-6)
    # the rule computes no weight update: its weights are the observed ones
    rule = WtaOnChipRule(experiment.n_inputs, config)
    learned = np.full_like(chip, 1.5)
    out = rule.update(result.parameters, {}, {"learned_weights": learned,
                                              "winners": np.array([0, 1])}, 2, None)
    np.testing.assert_array_equal(out["weights"], learned)
    with pytest.raises(OnChipPlasticityError, match="read back"):
        rule.update(result.parameters, {}, {"winners": np.array([0])}, 2, None)
    # evaluation freezes learning and restores the rate afterwards
    winners = experiment.winners(result.parameters, x_train[:8], seed=5)
    assert winners.shape == (8,)
    assert experiment.eval_weight_changes == 0 and experiment.weight_writes == 1
    np.testing.assert_array_equal(experiment.circuit.read_weights(), chip)
    np.testing.assert_allclose(experiment.circuit.input_projection.get("eta", format="array"),
                               FROZEN_ETA)
    experiment.write_parameters(result.parameters)
    np.testing.assert_allclose(experiment.circuit.input_projection.get("eta", format="array"),
                               config.eta_chip)
    neurohw.backend("emulator").end()


def test_resume_writes_the_checkpointed_weights_once(x_train, tmp_path):
    config = _config(eta_chip=0.05)
    path = tmp_path / "wta_onchip.npz"
    first, _ = _trainer(x_train, config, iterations=1, checkpoint=path)
    done = first.train()
    resumed, experiment = _trainer(x_train, config, iterations=2, checkpoint=path)
    result = resumed.train()
    assert result.resumed_from == 1 and len(result.history) == 2
    assert experiment.weight_writes == 1
    # the chip started from the checkpointed weights and went on learning
    assert result.history[1]["weight_change_mean_abs"] > 0
    assert not np.array_equal(result.parameters["weights"], done.parameters["weights"])
    neurohw.backend("emulator").end()


def test_bss1_and_nest_are_refused_with_the_alternative(x_train, nest_sim):
    config = _config()
    with pytest.raises(OnChipPlasticityError, match="bss2.*--plasticity host"):
        OnChipWtaExperiment(x_train, config, {"preset": "bss1"})
    with pytest.raises(OnChipPlasticityError, match="NEST.*--backend emulator --preset bss2"):
        make_experiment("nest", x_train, config)
    with pytest.raises(OnChipPlasticityError, match="NEST"):
        backend_config("nest", plasticity="on-chip")
    with pytest.raises(OnChipPlasticityError, match="reference"):
        make_experiment("reference", x_train, config)
    # pyNN.nest has no OnlineEMSynapse: the circuit builder says what to use
    with pytest.raises(OnChipPlasticityError, match="no OnlineEMSynapse.*bss2"):
        input_synapse(nest_sim, CircuitParameters(), OnChipEm(0.01, 5.0, 10.0))
    # and the emulator itself refuses the rule on bss1 (no plasticity processor)
    from neurohw.backends.emulator.chip.plasticity import UnsupportedPlasticityError

    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, preset="bss1", chip_seed=0)
    build_wta_circuit(sim, 4, 2, on_chip=OnChipEm(0.01, 5.0, 10.0))
    with pytest.raises(UnsupportedPlasticityError, match="programmable plasticity processor"):
        sim.run(10.0)
    sim.end()
    assert main(["--backend", "nest", "--plasticity", "on-chip", "--json"]) == 2
    assert main(["--backend", "emulator", "--preset", "bss1", "--plasticity", "on-chip"]) == 2
    assert main(["--backend", "emulator", "--eta-chip", "0.01"]) == 2


def test_host_plasticity_is_the_default_and_unchanged(x_train):
    args = build_parser().parse_args([])
    assert args.plasticity == "host" and args.eta_chip is None
    config = backend_config("emulator")
    assert config == backend_config("emulator", plasticity="host")
    assert config.plasticity == "host"
    # the checkpoint fingerprint of a host run is what it was before on-chip learning existed
    fingerprint = config.fingerprint()
    assert "plasticity" not in fingerprint and "eta_chip" not in fingerprint
    assert fingerprint == {k: v for k, v in config.as_dict().items()
                           if k not in ("plasticity", "eta_chip")}
    assert "plasticity" not in BayesNetConfig().as_dict()["module"]
    assert isinstance(make_rule(64, config), WtaStdpRule)
    sim, experiment = make_experiment("emulator", x_train, config, {"chip_seed": 0})
    assert type(experiment) is WtaExperiment and "preset" not in experiment.setup_kwargs
    experiment.build(sim)
    assert isinstance(experiment.circuit.input_projection.synapse_type, sim.StaticSynapse)
    sim.end()
