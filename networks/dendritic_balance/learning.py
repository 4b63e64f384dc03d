"""One learning step of the coding network from presentation statistics (shared by every version).

The reference simulation and the in-the-loop PyNN version both call :func:`apply_plasticity`
with the :class:`~.rules.TraceStatistics` of one batch of presentations, so the two differ only in
how the spikes were produced (Mikulasch et al. 2021 rules, see :mod:`.rules`).
"""

from __future__ import annotations

import numpy as np

from neurohw.networks.dendritic_balance import rules
from neurohw.networks.dendritic_balance.model import ModelConfig, NetworkState


def apply_plasticity(config: ModelConfig, state: NetworkState, stats: rules.TraceStatistics) -> None:
    """Update ``state`` in place: inhibition, input weights, homeostatic bias and decoder.

    Inhibitory and decoder rules use normalised-LMS step sizes (:func:`.rules.lms_step_scale`).
    With ``config.inhibition == "analytic"`` (DB only) the dendritic inhibition is not learned but
    reset to ``F_ij D_jk`` after the input-weight and decoder updates.
    """
    eta_inh = config.eta_inhibition * rules.lms_step_scale(stats, delayed=True)
    analytic = config.rule == "db" and config.inhibition == "analytic"
    if config.rule == "db":
        if not analytic:
            state.W += eta_inh * rules.dendritic_inhibition_update(state.F, state.W, stats, config.decay)
        state.F += config.eta_input * rules.db_input_update(state.F, state.W, stats, config.decay,
                                                            config.division_epsilon)
    else:
        state.V += eta_inh * rules.somatic_inhibition_update(state.F, state.V, stats, config.decay)
        state.F += config.eta_input * rules.sb_input_update(state.F, stats)
    if config.excitatory_inputs:
        np.maximum(state.F, 0.0, out=state.F)
    target = config.target_rate * config.dt
    state.bias += config.eta_bias * rules.threshold_update(stats.rate_per_sample, target)
    state.D += (config.eta_decoder * rules.lms_step_scale(stats, delayed=False)
                * rules.decoder_update(state.D, stats))
    if analytic:
        state.W[...] = rules.analytic_dendritic_inhibition(state.F, state.D)
