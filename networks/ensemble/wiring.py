"""Who connects to whom in an ensemble: recurrent pairs inside networks, background across them.

Neuron ``k`` of the ensemble belongs to network ``k // n_units`` (networks occupy consecutive
blocks of one population). All functions return index arrays (pre, post) into that population
and are vectorised; the random choices come from a host-side ``numpy`` generator, once, when the
network is built.
"""

from __future__ import annotations

import numpy as np


def network_of(n_networks: int, n_units: int) -> np.ndarray:
    """Network index of every neuron of the ensemble, shape (n_networks * n_units,)."""
    return np.repeat(np.arange(n_networks), n_units)


def recurrent_pairs(n_networks: int, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (pre, post), pre != post, of neurons in the same network."""
    local_pre, local_post = np.nonzero(~np.eye(n_units, dtype=bool))
    offsets = (np.arange(n_networks) * n_units)[:, None]
    return (offsets + local_pre[None, :]).ravel(), (offsets + local_post[None, :]).ravel()


def background_pairs(n_networks: int, n_units: int, in_degree: int, rng: np.random.Generator,
                     exclude: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each neuron gets ``in_degree`` distinct presynaptic partners from the *other* networks.

    ``exclude`` (pre, post) pairs are not drawn again (so that an excitatory and an inhibitory
    background synapse never join the same two neurons). Returns (pre, post) sorted by post.
    """
    n = n_networks * n_units
    net = network_of(n_networks, n_units)
    keys = rng.random((n, n))                              # [post, pre]
    keys[net[:, None] == net[None, :]] = np.inf            # never from the own network
    if exclude is not None:
        keys[exclude[1], exclude[0]] = np.inf
    pre = np.argsort(keys, axis=1)[:, :in_degree]
    if in_degree and not np.all(np.isfinite(np.take_along_axis(keys, pre, axis=1))):
        raise ValueError(f"not enough distinct partners outside the own network for in-degree "
                         f"{in_degree}")
    post = np.repeat(np.arange(n), in_degree)
    return np.sort(pre, axis=1).ravel(), post


def kick_times(n_neurons: int, start_ms: float, stop_ms: float,
               rng: np.random.Generator) -> np.ndarray:
    """One start-up spike time per neuron, uniform in [start_ms, stop_ms), rounded to 0.1 ms."""
    return np.round(rng.uniform(start_ms, stop_ms, size=n_neurons), 1)


def disjoint_background_pairs(n_networks: int, n_units: int, in_degree_exc: int,
                              in_degree_inh: int, rng: np.random.Generator
                              ) -> tuple[tuple[np.ndarray, np.ndarray],
                                         tuple[np.ndarray, np.ndarray]]:
    """Background wiring in which the neurons of one network share no presynaptic partner.

    For every network, ``n_units * (in_degree_exc + in_degree_inh)`` distinct neurons of the
    *other* networks are drawn and dealt out: each unit gets its own ``in_degree_exc``
    excitatory and ``in_degree_inh`` inhibitory partners, and no partner feeds two units of the
    same network (nor one unit with both signs). Shared background input is what correlates
    the noise of two neurons (Dold et al. 2019, Sec. 3: the ensemble approximates independent
    noise only when cross-correlations of the background are small); within a network CD can
    compensate pairwise correlations but not the higher-order ones, so the direct ones are
    removed by construction. Returns ((pre, post) excitatory, (pre, post) inhibitory), sorted
    by post.
    """
    n = n_networks * n_units
    per_unit = in_degree_exc + in_degree_inh
    need = n_units * per_unit
    if need > n - n_units:
        raise ValueError(f"disjoint background wiring needs n_units * (in_degree_exc + "
                         f"in_degree_inh) = {need} partners per network but only {n - n_units} "
                         "neurons lie outside it; lower the in-degrees or add networks")
    net = network_of(n_networks, n_units)
    keys = rng.random((n_networks, n))                    # [network, candidate pre]
    keys[net, np.arange(n)] = np.inf                      # never from the own network
    chosen = np.argsort(keys, axis=1)[:, :need]           # (N, n_units * per_unit)
    chosen = chosen.reshape(n_networks * n_units, per_unit)   # row = post neuron m * n + i
    exc = np.sort(chosen[:, :in_degree_exc], axis=1)
    inh = np.sort(chosen[:, in_degree_exc:], axis=1)
    post = np.arange(n)
    return ((exc.ravel(), np.repeat(post, in_degree_exc)),
            (inh.ravel(), np.repeat(post, in_degree_inh)))


def mixed_background_pairs(n_networks: int, n_units: int, in_degree_exc: int,
                           in_degree_inh: int, rng: np.random.Generator
                           ) -> tuple[tuple[np.ndarray, np.ndarray],
                                      tuple[np.ndarray, np.ndarray]]:
    """Disjoint background wiring in which every partner of a unit comes from another network.

    As :func:`disjoint_background_pairs` (units of one network share no presynaptic partner), and
    in addition each unit's ``in_degree_exc + in_degree_inh`` partners lie in that many
    *different* networks: the units of one network are coupled, so two partners from the same
    network would give correlated input (Dold et al. 2019, Sec. 3; Jordan, Petrovici et al.
    2019, Sci. Rep. 9:18303). Network m visits the other networks in a random order; unit i takes
    the cyclically shifted run of ``in_degree_exc + in_degree_inh`` networks starting at position
    i, and from each network the unit given by a random permutation of that network's units, so
    no two units of m draw the same neuron. Partners are then dealt to the excitatory and the
    inhibitory row in random order. Returns ((pre, post) excitatory, (pre, post) inhibitory),
    sorted by post.
    """
    per_unit = in_degree_exc + in_degree_inh
    if per_unit > n_networks - 1:
        raise ValueError(f"mixed background wiring needs in_degree_exc + in_degree_inh = "
                         f"{per_unit} <= n_networks - 1 = {n_networks - 1}; lower the in-degrees "
                         "or add networks")
    n = n_networks * n_units
    keys = rng.random((n_networks, n_networks))
    keys[np.arange(n_networks), np.arange(n_networks)] = np.inf
    order = np.argsort(keys, axis=1)[:, :n_networks - 1]               # (N, N-1) other networks
    slots = (np.arange(n_units)[:, None] + np.arange(per_unit)[None, :]) % (n_networks - 1)
    nets = order[:, slots]                                            # (N, n, per_unit)
    unit_perm = np.argsort(rng.random((n_networks, n_networks, n_units)), axis=2)  # [m, o, i]
    m_idx = np.arange(n_networks)[:, None, None]
    i_idx = np.arange(n_units)[None, :, None]
    pre = nets * n_units + unit_perm[m_idx, nets, i_idx]              # (N, n, per_unit)
    deal = np.argsort(rng.random(pre.shape), axis=2)
    pre = np.take_along_axis(pre, deal, axis=2).reshape(n, per_unit)
    exc = np.sort(pre[:, :in_degree_exc], axis=1)
    inh = np.sort(pre[:, in_degree_exc:], axis=1)
    post = np.arange(n)
    return ((exc.ravel(), np.repeat(post, in_degree_exc)),
            (inh.ravel(), np.repeat(post, in_degree_inh)))
