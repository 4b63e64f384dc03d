"""Fast discrete-time reference simulation of the coding network (numpy).

Mikulasch, Rudelt & Priesemann (2021), PNAS 118:e2021925118. Per time step ``dt`` (1 ms):

* the somatic potential is ``v_i = sum_j u_ij + b_i`` (DB; identical to ``F_i x - V_i r_d + b_i``
  with ``V = sum_j W`` — somatic inhibition, SB), with ``r_d`` the output traces of the other
  neurons delayed by ``1 + delay_steps`` steps (lateral inhibitory transmission delay) and the
  neuron's own trace (its self-inhibition / reset) delayed by one step only;
* neuron ``i`` spikes with probability ``sigmoid(v_i / T)`` (stochastic sigmoidal escape noise),
  ``T`` annealed from ``temperature_start`` to ``temperature_end``;
* traces follow ``r <- r exp(-dt/tau) + s`` (exponential PSP kernel);
* the bias adapts so that every neuron fires at ``target_rate`` (threshold adaptation);
* optionally (``fade_fraction``) each new image cross-fades in from the previous one.

``streams`` independent input streams run in parallel with shared weights; after each
presentation (``steps_per_presentation`` steps) the rules of :mod:`.rules` update the weights
from the accumulated :class:`~.rules.TraceStatistics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from neurohw.networks.dendritic_balance import rules
from neurohw.networks.dendritic_balance.blas_threads import blas_single_threaded
from neurohw.networks.dendritic_balance.learning import apply_plasticity
from neurohw.networks.dendritic_balance.model import ModelConfig, NetworkState


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


@dataclass
class PresentationRecord:
    """What one simulated presentation batch produced."""

    stats: rules.TraceStatistics
    x_sq: float = 0.0                  # sum over samples of ||x||^2 (inputs as presented)
    x: np.ndarray | None = None        # [steps * streams, n_x] (when recorded)
    r: np.ndarray | None = None        # [steps * streams, n_z]


class ReferenceNetwork:
    """The coding network with its traces and delay line; weights live in :class:`NetworkState`."""

    def __init__(self, config: ModelConfig, state: NetworkState, rng: np.random.Generator):
        self.config = config
        self.state = state
        self.rng = rng
        n_z, B = config.n_z, config.streams
        self.r = np.zeros((B, n_z))
        self.delay_line = np.zeros((config.delay_steps + 1, B, n_z))
        self._head = 0
        self._x_prev: np.ndarray | None = None              # last image of every stream [B, n_x]

    def present(self, x: np.ndarray, temperature: float, record: bool = False) -> PresentationRecord:
        """Simulate one presentation of the images ``x`` [streams, n_x] (weights fixed)."""
        cfg, st = self.config, self.state
        stats = rules.TraceStatistics(x.shape[1], cfg.n_z)
        inhibition = st.lateral_inhibition(cfg.rule)
        feedforward = x @ st.F.T + st.bias                   # constant after the fade
        fade = self._fade_weights(x)                         # [steps] weight of the previous image
        x_prev = self._x_prev
        ff_prev = x_prev @ st.F.T + st.bias if fade is not None else None
        decay = cfg.trace_decay
        self_inhibition = np.diag(inhibition)
        delayed = cfg.delay_steps > 0
        steps, (B, n_z) = cfg.steps_per_presentation, self.r.shape
        R = np.empty((steps, B, n_z))
        RD = np.empty((steps, B, n_z))
        RS = np.empty((steps, B, n_z)) if delayed else None
        noise = self.rng.random((steps, B, n_z))
        spike_count = np.zeros(n_z)
        for t in range(steps):
            r_d = self.delay_line[self._head]                 # trace from 1 + delay steps ago
            RD[t] = r_d
            if fade is not None and fade[t] > 0.0:
                v = feedforward + fade[t] * (ff_prev - feedforward) - r_d @ inhibition.T
            else:
                v = feedforward - r_d @ inhibition.T
            if delayed:
                RS[t] = self.r                                # own trace, undelayed (reset)
                v -= self_inhibition * (self.r - r_d)
            spikes = noise[t] < _sigmoid(v / temperature)
            spike_count += spikes.sum(axis=0)
            self.r = self.r * decay + spikes
            R[t] = self.r
            self.delay_line[self._head] = self.r
            self._head = (self._head + 1) % len(self.delay_line)
        X = np.broadcast_to(x[None], (steps,) + x.shape)
        if fade is not None:
            X = X + fade[:, None, None] * (x_prev - x)[None]
        X = X.reshape(steps * B, -1)
        self._x_prev = np.array(x, dtype=float)
        flat = lambda a: a.reshape(steps * B, n_z)             # noqa: E731
        stats.add(X, flat(R), flat(RD), None, flat(RS) if delayed else None)
        stats.spikes += spike_count
        x_sq = float(np.sum(X * X))
        if record:
            return PresentationRecord(stats, x_sq, X.copy(), flat(R).copy())
        return PresentationRecord(stats, x_sq)

    def _fade_weights(self, x: np.ndarray) -> np.ndarray | None:
        """Weight of the previous image in every step of this presentation [steps], or None.

        Over the first ``fade_fraction`` of a presentation the input is
        ``x_prev + f (x - x_prev)`` with ``f`` rising linearly to 1 (the authors' ``fade_images``:
        ``f = k / (fade_fraction * steps)`` at step ``k = 1, 2, ...``); the very first image of a
        stream is not faded.
        """
        cfg = self.config
        if cfg.fade_fraction <= 0.0 or self._x_prev is None or self._x_prev.shape != x.shape:
            return None
        k = np.arange(1, cfg.steps_per_presentation + 1)
        f = np.minimum(1.0, k / (cfg.fade_fraction * cfg.steps_per_presentation))
        return 1.0 - f

    def learn(self, stats: rules.TraceStatistics) -> None:
        """Apply every plasticity rule once, from one presentation's statistics."""
        apply_plasticity(self.config, self.state, stats)


@dataclass
class TrainingOutcome:
    """Result of :func:`train_reference`."""

    state: NetworkState
    history: list[dict[str, float]]


@blas_single_threaded
def train_reference(config: ModelConfig, sample_inputs: Callable[[int, np.random.Generator], np.ndarray],
                    n_x: int, presentations: int, seed: int,
                    log_every: int = 50) -> TrainingOutcome:
    """Train the network on ``presentations`` batches of ``config.streams`` inputs.

    ``sample_inputs(n, rng)`` draws ``n`` inputs [n, n_x]. Same seed -> same result.
    Returns the learned state and a history of the online decoder loss and mean rate.
    """
    rng = np.random.default_rng(seed)
    state = NetworkState.initial(config, n_x, rng)
    net = ReferenceNetwork(config, state, rng)
    history: list[dict[str, float]] = []
    loss_acc, rate_acc, count = 0.0, 0.0, 0
    for step in range(presentations):
        x = sample_inputs(config.streams, rng)
        temperature = config.temperature(step / max(presentations - 1, 1))
        rec = net.present(x, temperature)
        s = rec.stats
        n = max(s.n_samples, 1)
        # online decoder loss with the current decoder, from the same sums (no extra pass):
        xx = rec.x_sq / n
        D = state.D
        loss = 0.5 / n_x * (xx - 2 * np.sum(D * s.x_r) / n + np.sum((D.T @ D) * s.r_r) / n)
        loss_acc += loss
        rate_acc += float(s.rate_per_sample.mean()) / config.dt * 1000.0
        count += 1
        net.learn(s)
        if (step + 1) % log_every == 0 or step + 1 == presentations:
            history.append({"presentation": step + 1, "temperature": temperature,
                            "online_decoder_loss": loss_acc / count,
                            "mean_rate_hz": rate_acc / count})
            loss_acc, rate_acc, count = 0.0, 0.0, 0
    return TrainingOutcome(state=state, history=history)


@blas_single_threaded
def collect_responses(config: ModelConfig, state: NetworkState,
                      sample_inputs: Callable[[int, np.random.Generator], np.ndarray],
                      presentations: int, rng: np.random.Generator,
                      temperature: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Run the frozen network; return inputs x [S, n_x], traces r [S, n_z] and the rate in Hz."""
    net = ReferenceNetwork(config, state, rng)
    T = config.temperature_end if temperature is None else temperature
    xs, rs, spikes = [], [], 0.0
    for _ in range(presentations):
        rec = net.present(sample_inputs(config.streams, rng), T, record=True)
        xs.append(rec.x)
        rs.append(rec.r)
        spikes += rec.stats.spikes.sum()
    S = presentations * config.streams * config.steps_per_presentation
    rate_hz = spikes / (S * config.n_z) / config.dt * 1000.0
    return np.concatenate(xs), np.concatenate(rs), float(rate_hz)
