"""Which populations are neurons (integrated by the engine, placed on circuits) and which are
spike sources (host or on-chip input): read from the cell type's ``engine_model``; and which
synapse shape a neuron population has (``synapse_shape``)."""

from __future__ import annotations

from .engine.neurons import NEURON_MODELS


def engine_model(pop) -> str | None:
    """The engine model name of a population's cell type (None for foreign cell types)."""
    return getattr(pop.celltype, "engine_model", None)


def synapse_shape(pop) -> str:
    """Time course of the population's synaptic conductances/currents: ``"exp"`` (default) or
    ``"alpha"`` (the cell type's ``synapse_shape``)."""
    return getattr(pop.celltype, "synapse_shape", "exp")


def is_neuron_population(pop) -> bool:
    """True for populations of neurons, False for spike sources."""
    return engine_model(pop) in NEURON_MODELS
