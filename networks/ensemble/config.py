"""Settings of an ensemble of sampling networks (Dold et al. 2019, Neural Networks 119:200-213).

Units follow PyNN: ms, mV, uS (conductance weights), Hz.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from neurohw.errors import NeurohwError
from neurohw.networks.sampling.neuron import SamplingNeuronConfig

#: Background kinds an ensemble network can be built with.
BACKGROUNDS = ("ensemble", "poisson")
#: How background partners are drawn (see :mod:`.wiring`).
WIRINGS = ("disjoint", "independent", "mixed")


class EnsembleConfigError(NeurohwError, ValueError):
    """Ensemble settings that cannot be built; the message says which value to change."""


@dataclass(frozen=True)
class EnsembleConfig:
    """Size, wiring and timing of an ensemble of sampling networks.

    Each of ``n_networks`` networks has ``n_units`` sampling neurons (``neuron`` parameters,
    shared with :mod:`neurohw.networks.sampling`) connected all-to-all within the network by the
    Boltzmann weights. With ``background="ensemble"`` every neuron additionally receives
    ``in_degree_exc`` excitatory and ``in_degree_inh`` inhibitory synapses (fixed weights
    ``background_weight_exc`` / ``background_weight_inh``, uS) from distinct neurons drawn at
    random, once, from the *other* networks: the ensemble is its own and only noise source (Dold
    et al. 2019, Sec. 2). A start-up kick (one spike per neuron from a ``SpikeSourceArray`` at a
    time in [``kick_start_ms``, ``kick_stop_ms``), weight ``kick_weight`` uS) starts the activity;
    nothing random runs afterwards. The kick is spread over ~60 ms so that ~100 neurons stay
    within the bss1 host budget of 4 events per biological ms. With ``background="poisson"`` the
    same networks instead get the private Poisson noise of :class:`SamplingNeuronConfig` (the
    baseline).

    Rest potentials that a bias translates to are clipped to ``v_rest_range`` (mV): on an
    uncalibrated chip a neuron with a wide activation function would otherwise ask for a leak
    potential the circuit cannot realise. The clipped value is what is read back as realised.

    ``wiring="disjoint"`` (default) gives the units of one network pairwise disjoint sets of
    presynaptic partners (no shared background input inside a network,
    :func:`.wiring.disjoint_background_pairs`); ``"independent"`` draws every neuron's partners
    independently (:func:`.wiring.background_pairs`), so units of a network share inputs;
    ``"mixed"`` is disjoint and takes every partner of a unit from a different network
    (:func:`.wiring.mixed_background_pairs`; needs in_degree_exc + in_degree_inh <= n_networks - 1).

    The wiring (which neuron feeds which, kick times) is drawn from ``wiring_seed`` on the host
    before the run; it is part of the network's structure, not run-time randomness.
    """

    n_networks: int = 20
    n_units: int = 5
    in_degree_exc: int = 9
    in_degree_inh: int = 9
    background_weight_exc: float = 0.014    # uS
    background_weight_inh: float = 0.014    # uS
    kick_weight: float = 0.1                # uS
    kick_start_ms: float = 1.0
    kick_stop_ms: float = 60.0
    background: str = "ensemble"
    wiring_seed: int = 1
    wiring: str = "disjoint"
    timestep: float = 0.1                   # ms
    warmup_ms: float = 100.0                # ms simulated before each recorded window
    state_dt_ms: float = 1.0                # ms, sampling interval of the states z(t)
    v_rest_range: tuple[float, float] = (-110.0, -20.0)   # mV, rest potentials are clipped here
    neuron: SamplingNeuronConfig = field(default_factory=SamplingNeuronConfig)

    def __post_init__(self) -> None:
        if self.n_networks < 2:
            raise EnsembleConfigError(f"an ensemble needs n_networks >= 2, got {self.n_networks}")
        if self.n_units < 2:
            raise EnsembleConfigError(f"each network needs n_units >= 2, got {self.n_units}")
        if self.background not in BACKGROUNDS:
            raise EnsembleConfigError(f"background must be one of {BACKGROUNDS}, got "
                                      f"{self.background!r}")
        if self.wiring not in WIRINGS:
            raise EnsembleConfigError(f"wiring must be one of {WIRINGS}, got {self.wiring!r}")
        available = (self.n_networks - 1) * self.n_units
        for name in ("in_degree_exc", "in_degree_inh"):
            k = getattr(self, name)
            if not 0 <= k <= available:
                raise EnsembleConfigError(
                    f"{name}={k} but only {available} neurons lie outside a neuron's own network; "
                    f"choose 0..{available} or enlarge the ensemble")
        need = self.n_units * (self.in_degree_exc + self.in_degree_inh)
        if (self.wiring == "mixed" and self.background == "ensemble"
                and self.in_degree_exc + self.in_degree_inh > self.n_networks - 1):
            raise EnsembleConfigError(
                f"mixed wiring takes each unit's in_degree_exc + in_degree_inh = "
                f"{self.in_degree_exc + self.in_degree_inh} partners from different networks but "
                f"there are only {self.n_networks - 1} other networks; lower the in-degrees, add "
                "networks or use wiring='disjoint'")
        if self.wiring in ("disjoint", "mixed") and self.background == "ensemble" \
                and need > available:
            raise EnsembleConfigError(
                f"disjoint wiring needs n_units * (in_degree_exc + in_degree_inh) = {need} "
                f"distinct partners per network but only {available} neurons lie outside it; "
                "lower the in-degrees, add networks or use wiring='independent'")
        for name in ("background_weight_exc", "background_weight_inh", "kick_weight"):
            if getattr(self, name) < 0:
                raise EnsembleConfigError(f"{name} must be >= 0 uS, got {getattr(self, name)}")
        low, high = self.v_rest_range
        if not low < high:
            raise EnsembleConfigError(f"v_rest_range must be (low, high) with low < high, got "
                                      f"{self.v_rest_range}")
        if not 0 < self.kick_start_ms < self.kick_stop_ms:
            raise EnsembleConfigError("the kick window needs 0 < kick_start_ms < kick_stop_ms, "
                                      f"got [{self.kick_start_ms}, {self.kick_stop_ms})")

    @property
    def n_neurons(self) -> int:
        """Total number of sampling neurons (n_networks * n_units)."""
        return self.n_networks * self.n_units

    def with_background(self, background: str) -> "EnsembleConfig":
        """The same ensemble with another background (``"ensemble"`` or ``"poisson"``)."""
        data = asdict(self)
        data["neuron"] = self.neuron
        data["background"] = background
        return EnsembleConfig(**data)

    def as_dict(self) -> dict:
        """JSON-able settings (for fingerprints and reports)."""
        return asdict(self)
