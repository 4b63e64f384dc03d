"""Configuration and state of the coding network (shared by the reference and PyNN versions)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from neurohw.networks.dendritic_balance.errors import DendriticBalanceError

RULES = ("db", "sb")
INHIBITION_MODES = ("learned", "analytic")


@dataclass
class ModelConfig:
    """Hyper-parameters of the coding network and its plasticity (time in ms, dt = 1 ms).

    Defaults follow Mikulasch et al. (2021): PSP time constant 10 ms, homeostatic target rate,
    stochastic sigmoidal (escape-noise) spiking with noise annealed during learning. Learning
    rates are per presentation batch (weights change once per presentation of ``streams``
    parallel inputs, the paper's batched ``updateInterval``).

    Options (off by default, so the in-the-loop PyNN version keeps hard switches and learned
    inhibition): ``fade_fraction`` (reference simulation only) -- the input cross-fades linearly
    from the previous image to the new one over the first ``fade_fraction`` of each presentation
    (the authors' public code fades 30 %, ``fadeLength = 0.3``); ``inhibition = "analytic"`` --
    DB's dendritic inhibition is not learned but set to its balanced value ``W_ijk = F_ij D_jk``
    from the current decoder ``D`` after every update (the "analytic" network of the paper's main
    bars and delay figures; the fully local, learned version is in its SI).
    """

    rule: str = "db"
    n_z: int = 16
    dt: float = 1.0                 # ms per step
    steps_per_presentation: int = 40  # in-the-loop runs; the reference experiments use 100
    tau_psp: float = 10.0           # ms
    target_rate: float = 0.02       # spikes per ms per neuron (20 Hz)
    delay_steps: int = 0            # extra inhibitory transmission delay, in steps of dt
    streams: int = 20               # presentations simulated in parallel (one learning batch)
    eta_input: float = 0.1
    eta_inhibition: float = 0.5
    eta_bias: float = 20.0
    eta_decoder: float = 0.2
    decay: float = 0.01             # weight decay λ of input and inhibitory weights (ridge)
    temperature_start: float = 0.5  # escape-noise temperature at the start of learning
    temperature_end: float = 0.05   # ... annealed to this value
    anneal_fraction: float = 0.6    # fraction of training over which the noise is annealed
    init_scale: float = 0.1         # initial input weights ~ U(0, init_scale)
    excitatory_inputs: bool = True  # input weights stay >= 0 (Dale's law; inputs are >= 0)
    division_epsilon: float = 0.02  # regulariser of the DB rule's 1 / F_ij
    fade_fraction: float = 0.0      # first fraction of a presentation cross-fading from the last image
    inhibition: str = "learned"     # DB: "learned" dendritic inhibition or "analytic" W_ijk = F_ij D_jk

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise DendriticBalanceError(f"rule must be one of {RULES}, got {self.rule!r}")
        if self.n_z < 1 or self.steps_per_presentation < 1 or self.streams < 1:
            raise DendriticBalanceError("n_z, steps_per_presentation and streams must be >= 1")
        if not 0.0 <= self.fade_fraction <= 1.0:
            raise DendriticBalanceError(
                f"fade_fraction must be in [0, 1] (0: hard switch), got {self.fade_fraction}")
        if self.inhibition not in INHIBITION_MODES:
            raise DendriticBalanceError(
                f"inhibition must be one of {INHIBITION_MODES}, got {self.inhibition!r}")
        if self.delay_steps < 0:
            raise DendriticBalanceError(f"delay_steps must be >= 0, got {self.delay_steps}")
        if not self.temperature_start >= self.temperature_end > 0:
            raise DendriticBalanceError(
                "need temperature_start >= temperature_end > 0 (noise is annealed downwards)")

    @property
    def trace_decay(self) -> float:
        """Per-step decay factor of the PSP traces, ``exp(-dt / tau_psp)``."""
        return float(np.exp(-self.dt / self.tau_psp))

    def temperature(self, progress: float) -> float:
        """Escape-noise temperature after a fraction ``progress`` in [0, 1] of training (linear)."""
        frac = min(max(progress / max(self.anneal_fraction, 1e-12), 0.0), 1.0)
        return self.temperature_start + frac * (self.temperature_end - self.temperature_start)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class NetworkState:
    """Learned parameters: ``F`` [n_z, n_x], ``W`` [n_z, n_x, n_z] (DB), ``V`` [n_z, n_z] (SB),
    ``bias`` [n_z] (dimensionless, in units of the somatic potential), ``D`` [n_x, n_z]."""

    F: np.ndarray
    W: np.ndarray
    V: np.ndarray
    bias: np.ndarray
    D: np.ndarray

    @classmethod
    def initial(cls, config: ModelConfig, n_x: int, rng: np.random.Generator) -> "NetworkState":
        """Small random positive input weights, no inhibition, bias at the target rate."""
        n_z = config.n_z
        F = rng.uniform(0.0, config.init_scale, (n_z, n_x))
        p0 = config.target_rate * config.dt
        bias = np.full(n_z, config.temperature_start * np.log(p0 / (1 - p0)))
        return cls(F=F, W=np.zeros((n_z, n_x, n_z)), V=np.zeros((n_z, n_z)), bias=bias,
                   D=np.zeros((n_x, n_z)))

    def lateral_inhibition(self, rule: str) -> np.ndarray:
        """Somatic inhibition matrix [n_z, n_z] the soma feels: ``sum_j W_ijk`` (DB) or ``V`` (SB)."""
        return self.W.sum(axis=1) if rule == "db" else self.V

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {"F": self.F, "W": self.W, "V": self.V, "bias": self.bias, "D": self.D}
