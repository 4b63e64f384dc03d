"""Clear refusals for PyNN models the emulated chip does not have.

``sim.<Name>`` for a PyNN model that another backend provides but an analog chip cannot run
raises an AttributeError that says why and what to use instead (instead of a bare "module has
no attribute"). ``hasattr(sim, name)`` stays False, as for any backend lacking the model.
"""

from __future__ import annotations

_NEURON = ("the chip's neuron circuits are AdEx/LIF (use IF_cond_exp, IF_curr_exp, "
           "EIF_cond_exp_isfa_ista or their _alpha versions)")

#: PyNN model name -> why the emulated chip does not provide it.
UNSUPPORTED: dict[str, str] = {
    "HH_cond_exp": "Hodgkin-Huxley Na/K channel dynamics: " + _NEURON,
    "Izhikevich": "quadratic (Izhikevich) dynamics: " + _NEURON,
    "GIF_cond_exp": "generalised integrate-and-fire with spike-triggered currents and adaptive "
                    "threshold: " + _NEURON,
    "IF_cond_exp_gsfa_grr": "spike-frequency adaptation and relative refractoriness "
                            "conductances: " + _NEURON,
    "IF_facets_hardware1": "the FACETS wafer model: use IF_cond_exp",
    "PointNeuron": "composed neurons with arbitrary named receptors: a chip neuron circuit has "
                   "exactly one excitatory and one inhibitory synaptic input",
    "CondExpPostSynapticResponse": "composed neurons (PointNeuron) are not available on the chip",
    "CondAlphaPostSynapticResponse": "composed neurons (PointNeuron) are not available on the "
                                     "chip",
    "AdExp": "composed neurons (PointNeuron) are not available on the chip: use "
             "EIF_cond_exp_isfa_ista",
    "LIF": "composed neurons (PointNeuron) are not available on the chip: use IF_cond_exp",
    "SimpleStochasticSynapse": "stochastic (probabilistic-release) synapses: the chip's synapse "
                               "array transmits every spike",
    "StochasticTsodyksMarkramSynapse": "stochastic release: the chip's short-term plasticity "
                                       "is deterministic (use TsodyksMarkramSynapse)",
    "MultiQuantalSynapse": "multi-quantal release: the chip's synapse array transmits every "
                           "spike with one weight (use TsodyksMarkramSynapse)",
    "SpikeSourceGamma": "gamma-process spike sources: the chip's noise sources are Poisson "
                        "generators; pass explicit spike trains with SpikeSourceArray",
    "SpikeSourcePoissonRefractory": "Poisson sources with dead time: the chip's noise sources "
                                    "are plain Poisson generators; pass explicit spike trains "
                                    "with SpikeSourceArray",
    "SpikeSourceInhGamma": "inhomogeneous gamma sources: pass explicit spike trains with "
                           "SpikeSourceArray",
    "GapJunction": "gap junctions: the chip has no electrical synapses",
    "GapJunctionPresynaptic": "gap junctions: the chip has no electrical synapses",
}


def refusal(module_name: str, name: str) -> AttributeError:
    """The AttributeError for ``module.name``: a clear refusal for a known unsupported model."""
    reason = UNSUPPORTED.get(name)
    if reason is None:
        return AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return AttributeError(f"{name} is not available on the neurohw emulator: {reason}")
