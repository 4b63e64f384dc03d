"""From recorded spikes to what synaptic sampling needs: likelihood gradients and winners.

The generative WTA model of Kappel et al. 2015 (after Nessler et al. 2013) gives, for the synapse
from input ``i`` to WTA neuron ``k``, ``d/dw_ki log p_N(x|w) = S_k(t) (x_i(t) - alpha exp(w_ki))``
with ``S_k`` the spike train of neuron ``k`` and ``x_i`` the PSP trace of input ``i`` (each spike
adds 1 and decays with ``tau``). Integrated over one iteration this is
``X_ki - n_k alpha exp(w_ki)`` with ``X_ki = sum over spikes t of k of x_i(t)`` — computed here once
per iteration, vectorised over all spikes and synapses.
"""

from __future__ import annotations

import numpy as np

from neurohw.spikes import psp_traces

TRACE_DT_MS = 1.0


def presynaptic_sums(input_trains: list[np.ndarray], z_trains: list[np.ndarray], tau_ms: float,
                     t_start_ms: float, t_stop_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n_z, n_inputs): sum of input traces at the spikes of each WTA neuron; and the
    (n_z,) spike counts ``n_k``. Traces are sampled on a 1 ms grid (``tau_ms`` in ms)."""
    n_z, n_in = len(z_trains), len(input_trains)
    traces = psp_traces(input_trains, tau=tau_ms, dt=TRACE_DT_MS, t_start=t_start_ms,
                        t_stop=t_stop_ms)
    counts = np.array([len(t) for t in z_trains], dtype=int)
    x_sum = np.zeros((n_z, n_in))
    if counts.sum():
        times = np.concatenate(z_trains)
        owners = np.repeat(np.arange(n_z), counts)
        idx = np.floor((times - t_start_ms) / TRACE_DT_MS).astype(int)
        keep = (idx >= 0) & (idx < traces.shape[0])
        np.add.at(x_sum, owners[keep], traces[idx[keep]])
    return x_sum, counts


def likelihood_gradient(x_sum: np.ndarray, n_post: np.ndarray, weights: np.ndarray, alpha: float,
                        duration_s: float) -> np.ndarray:
    """``d/dw log p_N`` per second of data: ``(X_ki - n_k alpha exp(w_ki)) / duration_s``."""
    return (x_sum - n_post[:, None] * alpha * np.exp(weights)) / duration_s


def window_winners(z_trains: list[np.ndarray], t_start_ms: float, window_ms: float,
                   n_windows: int) -> np.ndarray:
    """(n_windows,) index of the WTA neuron with most spikes in each presentation window, or -1
    when no neuron fired (ties go to the lower index)."""
    n_z = len(z_trains)
    counts = np.zeros((n_windows, n_z), dtype=int)
    lengths = [len(t) for t in z_trains]
    if sum(lengths):
        times = np.concatenate(z_trains)
        owners = np.repeat(np.arange(n_z), lengths)
        win = np.floor((times - t_start_ms) / window_ms).astype(int)
        keep = (win >= 0) & (win < n_windows)
        np.add.at(counts, (win[keep], owners[keep]), 1)
    winners = np.argmax(counts, axis=1)
    return np.where(counts.max(axis=1) > 0, winners, -1)
