"""Inspect a built network for sources of randomness that act while it runs.

Two levels are looked at. PyNN: every population of the backend's ``state.populations`` whose
cell type draws random spikes (``SpikeSourcePoisson`` and its relatives) and every noisy current
source in ``state.current_sources`` (``NoisyCurrentSource``). NEST kernel (when the backend is
``pyNN.nest``): every node whose model draws random numbers (``poisson_generator``,
``noise_generator``, ...), so that nothing created behind PyNN's back is missed. On NEST the kernel
count is the one reported (it includes what PyNN created); elsewhere the PyNN count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

#: PyNN cell types that emit random spikes.
RANDOM_CELL_TYPES = frozenset({"SpikeSourcePoisson", "SpikeSourcePoissonRefractory",
                               "SpikeSourceGamma", "SpikeSourceInhGamma"})
#: PyNN current sources that inject random currents.
RANDOM_CURRENT_SOURCES = frozenset({"NoisyCurrentSource"})
#: NEST models that draw random numbers at run time.
RANDOM_NEST_MODELS = frozenset({
    "poisson_generator", "poisson_generator_ps", "sinusoidal_poisson_generator",
    "inhomogeneous_poisson_generator", "gamma_sup_generator", "ppd_sup_generator",
    "mip_generator", "sinusoidal_gamma_generator", "pulsepacket_generator", "noise_generator",
    "spike_dilutor", "bernoulli_synapse"})


@dataclass
class RandomSourceReport:
    """What was found: ``count`` random source units (neurons/devices), and where."""

    count: int
    level: str
    found: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-able form."""
        return {"count": self.count, "level": self.level, "found": dict(self.found)}


def _pynn_sources(sim: ModuleType) -> dict[str, int]:
    state = getattr(sim, "state", None) or getattr(getattr(sim, "simulator", None), "state", None)
    found: dict[str, int] = {}
    for pop in getattr(state, "populations", []) or []:
        name = type(pop.celltype).__name__
        if name in RANDOM_CELL_TYPES:
            key = f"{pop.label} ({name})"
            found[key] = found.get(key, 0) + int(pop.size)
    for source in getattr(state, "current_sources", []) or []:
        name = type(source).__name__
        if name in RANDOM_CURRENT_SOURCES:
            found[name] = found.get(name, 0) + 1
    return found


def _nest_sources() -> dict[str, int]:
    import nest

    nodes = nest.GetNodes()
    if len(nodes) == 0:
        return {}
    models = nodes.get("model")
    models = [models] if isinstance(models, str) else list(models)
    found: dict[str, int] = {}
    for model in models:
        if model in RANDOM_NEST_MODELS:
            found[model] = found.get(model, 0) + 1
    connections = nest.GetConnections()
    synapse_models: set[str] = set()
    if len(connections):
        names = connections.get("synapse_model")
        synapse_models = {names} if isinstance(names, str) else set(names)
    for model in synapse_models & RANDOM_NEST_MODELS:
        found[model] = found.get(model, 0) + 1
    return found


def random_sources(sim: ModuleType) -> RandomSourceReport:
    """Count the random sources in the network currently built on backend ``sim``."""
    if getattr(sim, "__name__", "") == "pyNN.nest":
        found = _nest_sources()
        return RandomSourceReport(sum(found.values()), "nest-kernel", found)
    found = _pynn_sources(sim)
    return RandomSourceReport(sum(found.values()), "pynn", found)
