"""The in-the-loop trainer: rule interface, checkpoints, resume equals uninterrupted."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.errors import CheckpointError
from neurohw.hil import (Experiment, HILTrainer, LearningRule, load_checkpoint, save_checkpoint,
                         save_history, seed_for)


class NoisyQuadratic(Experiment):
    """A stand-in "network": observes params + seeded noise, quantised like a 4-bit chip."""

    def __init__(self, fail_at: int | None = None):
        self.fail_at = fail_at
        self.built = 0
        self.runs = []

    def build(self, sim):
        self.built += 1

    def write_parameters(self, params):
        self.params = {k: np.round(v * 8) / 8 for k, v in params.items()}
        return self.params

    def run(self, iteration, seed):
        if iteration == self.fail_at:
            raise KeyboardInterrupt("killed")
        self.runs.append(iteration)
        return np.random.default_rng(seed).normal(0, 0.05, size=self.params["w"].shape)

    def observe(self, block, iteration):
        return {"measured": self.params["w"] + block}


class MomentumRule(LearningRule):
    """Pull w towards a target with momentum and a random jitter drawn from the trainer's RNG."""

    target = np.array([0.5, -1.0, 2.0])

    def __init__(self):
        self.velocity = np.zeros(3)

    def initial_parameters(self, rng):
        return {"w": rng.normal(size=3)}

    def update(self, params, realised, observables, iteration, rng):
        grad = observables["measured"] - self.target
        self.velocity = 0.5 * self.velocity - 0.3 * grad
        return {"w": params["w"] + self.velocity + rng.normal(0, 1e-3, size=3)}

    def metrics(self, params, realised, observables, iteration):
        return {"loss": float(np.sum((realised["w"] - self.target) ** 2))}

    def state_dict(self):
        return {"velocity": self.velocity}

    def load_state_dict(self, state):
        self.velocity = np.asarray(state["velocity"], dtype=float)


def _trainer(tmp_path, experiment, rule, **kw):
    return HILTrainer(None, experiment, rule, iterations=12, seed=7,
                      checkpoint_path=tmp_path / "ckpt.npz", checkpoint_every=3, progress=False,
                      fingerprint={"test": "quadratic"}, **kw)


def test_training_lowers_loss_and_builds_once(tmp_path):
    exp = NoisyQuadratic()
    result = _trainer(tmp_path, exp, MomentumRule()).train()
    assert exp.built == 1
    assert exp.runs == list(range(12))
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < 0.1 * losses[0]


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    reference = HILTrainer(None, NoisyQuadratic(), MomentumRule(), iterations=12, seed=7,
                           progress=False, fingerprint={"test": "quadratic"}).train()
    with pytest.raises(KeyboardInterrupt):
        _trainer(tmp_path, NoisyQuadratic(fail_at=8), MomentumRule()).train()
    assert load_checkpoint(tmp_path / "ckpt.npz")["iteration"] == 6
    resumed_exp = NoisyQuadratic()
    resumed = _trainer(tmp_path, resumed_exp, MomentumRule()).train()
    assert resumed.resumed_from == 6
    assert resumed_exp.runs == list(range(6, 12))
    np.testing.assert_array_equal(resumed.parameters["w"], reference.parameters["w"])
    assert resumed.history == reference.history


def test_checkpoint_of_another_run_is_refused(tmp_path):
    _trainer(tmp_path, NoisyQuadratic(), MomentumRule()).train()
    other = HILTrainer(None, NoisyQuadratic(), MomentumRule(), iterations=12, seed=7,
                       checkpoint_path=tmp_path / "ckpt.npz", progress=False,
                       fingerprint={"test": "something else"})
    with pytest.raises(CheckpointError, match="belongs to another run"):
        other.train()


def test_corrupt_checkpoint_is_refused(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, iteration=1, params={"w": np.ones(2)}, realised={}, rule_state={},
                    rng_state=np.random.default_rng(0).bit_generator.state, history=[],
                    fingerprint={})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="unreadable or incomplete"):
        load_checkpoint(path)


def test_checkpoint_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    save_checkpoint(path, iteration=2, params={"w": np.arange(3.0)}, realised={"w": np.zeros(3)},
                    rule_state={"step": 4}, rng_state=np.random.default_rng(1).bit_generator.state,
                    history=[{"iteration": 0, "loss": 1.5}], fingerprint={"a": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]
    state = load_checkpoint(path)
    assert state["rule_state"] == {"step": 4}
    np.testing.assert_array_equal(state["params"]["w"], np.arange(3.0))


def test_stateless_rule_refuses_foreign_state():
    class Stateless(LearningRule):
        def initial_parameters(self, rng):
            return {}

        def update(self, params, realised, observables, iteration, rng):
            return params

    with pytest.raises(Exception, match="stateless"):
        Stateless().load_state_dict({"velocity": np.zeros(2)})


def test_seed_for_is_stable_and_distinct():
    assert seed_for(1, 0) == seed_for(1, 0)
    assert len({seed_for(1, i) for i in range(100)}) == 100
    assert seed_for(1, 0) != seed_for(2, 0)


def test_save_history_writes_json_csv_png(tmp_path):
    history = [{"iteration": i, "loss": 1.0 / (i + 1)} for i in range(5)]
    paths = save_history(history, tmp_path)
    assert paths["png"].stat().st_size > 1000
    assert paths["csv"].read_text().splitlines()[0] == "iteration,loss"
