"""Hardware-in-the-loop training: one loop for every backend.

Per iteration the loop writes the current parameters into the network (on the emulated chip they
are quantised; what the backend realised is read back), runs the network, reads the spikes back as
neo, lets the experiment turn them into observables, asks the learning rule for an update, and
records the rule's metrics. The network is built once; reruns go through PyNN's ``reset()``.

The loop knows nothing of any rule or network. Two small interfaces plug in:

* :class:`Experiment` — the network side (PyNN only, so it runs on any backend);
* :class:`LearningRule` — the host-side update and its optimiser state.

Checkpoints hold parameters, realised parameters, the rule's state, the trainer's RNG state,
the history and the iteration; they are written atomically every ``checkpoint_every`` iterations.
A run killed mid-way and started again with the same command resumes from the last checkpoint and
ends with the same result as an uninterrupted run: each iteration's randomness comes from
``seed_for(iteration)``, and the rule's randomness from the checkpointed RNG.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
import zipfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.cliutil import to_json, write_json_atomic
from neurohw.errors import CheckpointError, NeurohwError

CHECKPOINT_FORMAT = "neurohw-hil-checkpoint"
CHECKPOINT_VERSION = 1

Parameters = dict[str, np.ndarray]


class TrainerError(NeurohwError):
    """A trainer that was given something it cannot use."""


class Experiment(ABC):
    """The network side of an in-the-loop experiment, written with the PyNN API only."""

    @abstractmethod
    def build(self, sim: ModuleType) -> None:
        """Build the network once on the backend module ``sim`` (setup, populations, recording)."""

    @abstractmethod
    def write_parameters(self, params: Parameters) -> Parameters:
        """Write ``params`` into the network; return the values the backend realised.

        On the emulated chip weights are quantised: read them back (``prj.get("weight",
        format="array")``) so the rule sees what the hardware really did.
        """

    @abstractmethod
    def run(self, iteration: int, seed: int):
        """Run the network for one iteration and return its recorded data as a neo Block.

        ``seed`` is this iteration's seed for any randomness the experiment draws (inputs, noise),
        so that rerunning an iteration gives the same spikes.
        """

    @abstractmethod
    def observe(self, block, iteration: int) -> dict[str, Any]:
        """Turn the recorded neo Block into the observables the rule needs."""


class LearningRule(ABC):
    """The host-side update. The trainer passes it observables; it returns new parameters."""

    @abstractmethod
    def initial_parameters(self, rng: np.random.Generator) -> Parameters:
        """Parameters before the first iteration."""

    @abstractmethod
    def update(self, params: Parameters, realised: Parameters, observables: dict[str, Any],
               iteration: int, rng: np.random.Generator) -> Parameters:
        """Return the parameters for the next iteration."""

    def metrics(self, params: Parameters, realised: Parameters, observables: dict[str, Any],
                iteration: int) -> dict[str, float]:
        """Scalars to record in the history for this iteration (default: none)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Optimiser state (numbers and arrays only) to checkpoint; default: stateless."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        if state:
            raise TrainerError(f"{type(self).__name__} is stateless but the checkpoint holds "
                               f"rule state {sorted(state)}; was it written by another rule?")


@dataclass
class TrainingResult:
    """What :meth:`HILTrainer.train` returns."""

    parameters: Parameters
    realised: Parameters
    history: list[dict[str, float]]
    iterations: int
    resumed_from: int | None
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)


def seed_for(base_seed: int, iteration: int) -> int:
    """The seed of one iteration: a stable hash of (base seed, iteration), in [0, 2**31)."""
    digest = hashlib.sha256(f"{int(base_seed)}:{int(iteration)}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _pack(prefix: str, values: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[str]:
    names = []
    for key, value in values.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise CheckpointError(f"cannot checkpoint {prefix}{key!r}: it is not numeric "
                                  f"(got {type(value).__name__}); store numbers or arrays only")
        arrays[f"{prefix}{key}"] = array
        names.append(key)
    return names


def _unpack(prefix: str, names: list[str], data) -> dict[str, np.ndarray]:
    out = {}
    for key in names:
        array = data[f"{prefix}{key}"]
        out[key] = array.item() if array.ndim == 0 else np.array(array)
    return out


def save_checkpoint(path: str | os.PathLike, *, iteration: int, params: Parameters,
                    realised: Parameters, rule_state: dict[str, Any], rng_state: dict,
                    history: list[dict], fingerprint: dict) -> None:
    """Write a checkpoint atomically (temporary file, fsync, rename) as NPZ without pickles."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    meta = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "iteration": int(iteration),
        "fingerprint": fingerprint,
        "rng_state": rng_state,
        "history": history,
        "params": _pack("param/", params, arrays),
        "realised": _pack("realised/", realised, arrays),
        "rule_state": _pack("rule/", rule_state, arrays),
    }
    arrays["meta"] = np.frombuffer(to_json(meta).encode(), dtype=np.uint8)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a checkpoint written by :func:`save_checkpoint`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("format") != CHECKPOINT_FORMAT:
                raise CheckpointError(f"{path} is not a neurohw HIL checkpoint")
            if meta.get("version") != CHECKPOINT_VERSION:
                raise CheckpointError(
                    f"{path} has checkpoint version {meta.get('version')}; this neurohw reads "
                    f"version {CHECKPOINT_VERSION}. Delete it to start the run afresh.")
            return {
                "iteration": int(meta["iteration"]),
                "fingerprint": meta["fingerprint"],
                "rng_state": meta["rng_state"],
                "history": list(meta["history"]),
                "params": _unpack("param/", meta["params"], data),
                "realised": _unpack("realised/", meta["realised"], data),
                "rule_state": _unpack("rule/", meta["rule_state"], data),
            }
    except CheckpointError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"checkpoint {path} is unreadable or incomplete ({err}); delete it "
                              "to start the run afresh") from err


class HILTrainer:
    """Runs an :class:`Experiment` with a :class:`LearningRule` in the loop.

    Parameters
    ----------
    sim
        the PyNN backend module (``neurohw.backend("nest")`` or ``("emulator")``).
    experiment, rule
        the network side and the learning rule.
    iterations
        total number of iterations (a resumed run continues up to this number).
    seed
        base seed: iteration ``i`` runs with ``seed_for(seed, i)``; the rule's RNG starts from it.
    checkpoint_path
        NPZ file to write checkpoints to and to resume from (None: no checkpoints).
    checkpoint_every
        write a checkpoint after every this many iterations (and after the last).
    progress
        show a progress bar on stderr.
    fingerprint
        JSON-able description of the run (network, rule, hyper-parameters); a checkpoint with a
        different fingerprint is refused rather than silently mixed into this run.
    """

    def __init__(self, sim: ModuleType, experiment: Experiment, rule: LearningRule, *,
                 iterations: int, seed: int = 0, checkpoint_path: str | os.PathLike | None = None,
                 checkpoint_every: int = 10, progress: bool = True,
                 fingerprint: dict | None = None) -> None:
        if not isinstance(iterations, (int, np.integer)) or iterations < 0:
            raise TrainerError(f"iterations must be a non-negative integer, got {iterations!r}")
        if checkpoint_every < 1:
            raise TrainerError(f"checkpoint_every must be >= 1, got {checkpoint_every}")
        self.sim = sim
        self.experiment = experiment
        self.rule = rule
        self.iterations = int(iterations)
        self.seed = int(seed)
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path is not None else None
        self.checkpoint_every = int(checkpoint_every)
        self.progress = progress
        self.fingerprint = json.loads(to_json(fingerprint or {}))
        self.history: list[dict[str, float]] = []

    def _resume(self, rng: np.random.Generator):
        if self.checkpoint_path is None or not self.checkpoint_path.exists():
            return None
        state = load_checkpoint(self.checkpoint_path)
        if state["fingerprint"] != self.fingerprint:
            raise CheckpointError(
                f"checkpoint {self.checkpoint_path} belongs to another run "
                f"(its settings {state['fingerprint']} differ from {self.fingerprint}); use "
                "another checkpoint path or delete the file")
        if state["iteration"] > self.iterations:
            raise CheckpointError(
                f"checkpoint {self.checkpoint_path} is at iteration {state['iteration']}, beyond "
                f"the requested {self.iterations} iterations")
        rng.bit_generator.state = state["rng_state"]
        self.rule.load_state_dict(state["rule_state"])
        return state

    def _checkpoint(self, iteration: int, params, realised, rng) -> None:
        if self.checkpoint_path is None:
            return
        save_checkpoint(self.checkpoint_path, iteration=iteration, params=params,
                        realised=realised, rule_state=self.rule.state_dict(),
                        rng_state=rng.bit_generator.state, history=self.history,
                        fingerprint=self.fingerprint)

    def train(self) -> TrainingResult:
        """Run (or resume) the loop up to ``iterations``; return the final state and history."""
        started = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        self.experiment.build(self.sim)
        state = self._resume(rng)
        if state is None:
            params = {k: np.asarray(v, dtype=float)
                      for k, v in self.rule.initial_parameters(rng).items()}
            first, resumed_from, self.history = 0, None, []
        else:
            params = state["params"]
            first = resumed_from = state["iteration"]
            self.history = state["history"]
        realised: Parameters = {}
        bar = self._progress_bar(first)
        try:
            for iteration in range(first, self.iterations):
                realised = self.experiment.write_parameters(params)
                block = self.experiment.run(iteration, seed_for(self.seed, iteration))
                observables = self.experiment.observe(block, iteration)
                record = {"iteration": iteration}
                record.update({k: float(v) for k, v in
                               self.rule.metrics(params, realised, observables, iteration).items()})
                self.history.append(record)
                params = {k: np.asarray(v, dtype=float) for k, v in
                          self.rule.update(params, realised, observables, iteration, rng).items()}
                done = iteration + 1
                if done % self.checkpoint_every == 0 or done == self.iterations:
                    self._checkpoint(done, params, realised, rng)
                if bar is not None:
                    bar.update(1)
                    shown = {k: v for k, v in record.items() if k != "iteration"}
                    if shown:
                        bar.set_postfix({k: f"{v:.4g}" for k, v in list(shown.items())[:3]})
        finally:
            if bar is not None:
                bar.close()
        if state is not None and first == self.iterations:
            realised = state["realised"]
        return TrainingResult(parameters=params, realised=realised, history=list(self.history),
                              iterations=self.iterations, resumed_from=resumed_from,
                              wall_s=time.perf_counter() - started)

    def _progress_bar(self, first: int):
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=self.iterations, initial=first, file=sys.stderr, unit="it",
                    desc="in-the-loop training", leave=False, dynamic_ncols=True)

    def save_history(self, out_dir: str | os.PathLike, keys: list[str] | None = None,
                     logy: bool = False) -> dict[str, Path]:
        """Write the history as ``history.json``, ``history.csv`` and ``history.png`` in ``out_dir``."""
        return save_history(self.history, out_dir, keys=keys, logy=logy)


def save_history(history: list[dict[str, float]], out_dir: str | os.PathLike,
                 keys: list[str] | None = None, logy: bool = False,
                 stem: str = "history") -> dict[str, Path]:
    """Write a training history (one dict per iteration) as JSON, CSV and a PNG plot."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{stem}.json", "csv": out / f"{stem}.csv", "png": out / f"{stem}.png"}
    write_json_atomic(paths["json"], history)
    columns = sorted({k for record in history for k in record}, key=lambda k: (k != "iteration", k))
    tmp = paths["csv"].with_name(paths["csv"].name + f".tmp{os.getpid()}")
    with open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(history)
    os.replace(tmp, paths["csv"])
    from neurohw.plotting import line_plot

    plotted = keys or [c for c in columns if c != "iteration"]
    iterations = np.array([r.get("iteration", i) for i, r in enumerate(history)])
    series = {k: (iterations, np.array([r.get(k, np.nan) for r in history])) for k in plotted}
    line_plot(series, paths["png"], "iteration", ", ".join(plotted) if len(plotted) == 1 else "value",
              logy=logy)
    return paths
