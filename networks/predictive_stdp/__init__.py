"""STDP as a predictive objective (Bengio, Mesnard, Fischer, Zhang & Wu 2015, arXiv:1509.05936).

``dW ∝ (presynaptic spike or rate) · ds_post/dt`` reproduces the STDP window and agrees with
nearest-neighbour STDP; it predicts no change when the postsynaptic rate is constant.

Modules: :mod:`.rules` (both rules), :mod:`.window` (binning, correlation, shape), :mod:`.reference`
(the paper's simulation), :mod:`.neuron_window` (the same on a PyNN backend), :mod:`.plots`,
:mod:`.cli` (``neurohw train predictive-stdp``).
"""

from neurohw.networks.predictive_stdp.reference import (
    ReferenceConfig,
    ReferenceResult,
    mean_eq1_change,
    run_reference,
)
from neurohw.networks.predictive_stdp.rules import (
    PredictiveStdpError,
    StdpWindow,
    derivative,
    eq1_updates,
    nearest_post_pairing,
    stdp_updates,
)
from neurohw.networks.predictive_stdp.window import BinnedWindow, bin_window, pearson_r, sign_at

__all__ = [
    "ReferenceConfig", "ReferenceResult", "run_reference", "mean_eq1_change",
    "PredictiveStdpError", "StdpWindow", "derivative", "eq1_updates", "nearest_post_pairing",
    "stdp_updates", "BinnedWindow", "bin_window", "pearson_r", "sign_at",
]
