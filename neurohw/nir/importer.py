"""Build a NIR graph as a PyNN network on any neurohw backend (``sim`` module).

Mapping (units in :mod:`neurohw.nir.units`):

=================  ======================================================================
NIR node           PyNN
=================  ======================================================================
``Input``          ``SpikeSourceArray`` population (spike times from ``input_spikes``)
``CubaLIF``        ``IF_curr_exp`` population — exact
``CubaLI``         ``IF_curr_exp`` with ``v_thresh = 1e9 mV`` (never reached): a non-spiking
                   readout whose membrane you record — exact below that threshold
``LIF`` / ``LI``   only with ``filterless_tau_syn=<ms>``: ``IF_curr_exp`` whose synaptic
                   current decays with that time constant and carries the same charge
                   (``w_in = 1``). Not exact: the voltage jump of NIR becomes a rise over
                   ~tau_syn and its peak is lower by a relative O(tau_syn / tau_mem).
``Linear``         weights of the ``Projection``\\ s (one per sign: ``excitatory`` for
                   positive, ``inhibitory`` for negative weights; nA = w_in*W*A/tau_syn)
``Affine``         as ``Linear``; its ``bias`` b is a constant input to the synaptic filter,
                   realised as ``i_offset = w_in * b`` (nA) — exact for a synaptic current
                   that starts at the bias' steady state (NIR does not fix initial states)
``Scale``          diagonal weight factor
``Delay``          per-synapse ``delay`` (ms = 1000 s); delays before and after a weight node
                   add up
``Flatten``        identity (neurohw flattens every shape C-order)
``Output``         marks the neuron population feeding it (``NIRNetwork.outputs``)
=================  ======================================================================

A chain ``source -> [Delay|Linear|Affine|Scale|Flatten]* -> neuron`` becomes projections; a
neuron -> neuron edge without weights is a one-to-one projection of weight 1 (in NIR units).

Refused, with the node named: ``IF``/``I`` (perfect integrators — ``IF_curr_exp`` always leaks),
``Threshold``, convolutions and pooling that are not expanded into ``Affine`` matrices, nested
``NIRGraph`` nodes, unknown node types; a cycle that passes through no neuron (an instantaneous
loop: :class:`NIRCycleError`) — recurrent loops *through* neurons are fine; a non-uniform delay
between two weight nodes (no per-synapse equivalent); a delay that is not a multiple of the
simulator time step; a zero delay (a NIR edge without a ``Delay``) unless
``zero_delay="timestep"``, which realises it as one time step (PyNN's minimum) and warns.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurohw.nir.errors import (
    NIRApproximationWarning,
    NIRCycleError,
    NIRFormatError,
    NIRMissingParameterError,
    NIRUnsupportedNodeError,
)
from neurohw.nir.fileio import as_float_array, read_graph
from neurohw.nir.units import MS_PER_S, pynn_from_cuba, synaptic_weight_nA

NEURONS = ("CubaLIF", "CubaLI", "LIF", "LI")
TRANSFORMS = ("Linear", "Affine", "Scale", "Delay", "Flatten")
READOUT_THRESHOLD_MV = 1e9

_REFUSED = {
    "IF": "a perfect integrate-and-fire neuron (no leak); IF_curr_exp always leaks",
    "I": "a perfect integrator without threshold; IF_curr_exp always leaks",
    "Threshold": "a stateless threshold has no PyNN cell type",
    "Conv1d": "convolutions are not expanded; expand them into an Affine/Linear weight matrix first",
    "Conv2d": "convolutions are not expanded; expand them into an Affine/Linear weight matrix first",
    "SumPool2d": "pooling is not expanded; expand it into a Linear weight matrix first",
    "AvgPool2d": "pooling is not expanded; expand it into a Linear weight matrix first",
    "NIRGraph": "nested subgraphs are not supported; flatten the graph into one level of nodes",
}


@dataclass
class NIRNetwork:
    """The PyNN objects built from a NIR graph, keyed by NIR node name."""

    graph: Any
    populations: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    projections: dict = field(default_factory=dict)
    approximations: list = field(default_factory=list)

    def set_input(self, name: str, spike_times) -> None:
        """Set the spike times (ms, one sequence per neuron) of input node ``name``."""
        import pyNN.parameters as pp

        pop = self.inputs[name]
        pop.set(spike_times=[pp.Sequence(np.asarray(t, float)) for t in spike_times])


def _type(node) -> str:
    return type(node).__name__


def _size(node) -> int:
    if _type(node) == "Input":
        return int(np.prod(node.input_type["input"]))
    for key in ("v_leak", "r", "tau"):
        if hasattr(node, key):
            return int(np.asarray(getattr(node, key)).size)
    raise NIRFormatError(f"cannot tell the size of node {node!r}")


def _check_transform_cycles(graph, succ) -> None:
    transforms = {n for n, node in graph.nodes.items() if _type(node) in TRANSFORMS}
    state: dict[str, int] = {}

    def visit(n, stack):
        state[n] = 1
        for m in succ.get(n, ()):
            if m not in transforms:
                continue
            if state.get(m) == 1:
                cyc = stack[stack.index(m):] + [m]
                raise NIRCycleError(
                    f"cycle {' -> '.join(cyc)} passes through no neuron: an instantaneous loop that "
                    f"no simulator can run. Recurrent loops must pass through a neuron node "
                    f"(and should carry a Delay)."
                )
            if m not in state:
                visit(m, stack + [m])
        state[n] = 2

    for n in transforms:
        if n not in state:
            visit(n, [n])


def _neuron_params(name, node, filterless_tau_syn):
    t = _type(node)
    if t in ("CubaLIF", "CubaLI"):
        n = _size(node)
        tau_syn = as_float_array(node.tau_syn)
        w_in = as_float_array(node.w_in) * np.ones(n)
        params = pynn_from_cuba(tau_syn, as_float_array(node.tau_mem), as_float_array(node.r),
                                as_float_array(node.v_leak),
                                as_float_array(node.v_threshold) if t == "CubaLIF" else np.full(n, READOUT_THRESHOLD_MV),
                                as_float_array(node.v_reset) if t == "CubaLIF" else as_float_array(node.v_leak))
        return params, w_in, tau_syn, None
    # LIF / LI: no synaptic filter in NIR
    if filterless_tau_syn is None:
        raise NIRUnsupportedNodeError(
            f"node {name!r} ({t}) has no synaptic filter: each spike makes v jump, which "
            f"IF_curr_exp (exponential synaptic current) cannot do exactly. Pass "
            f"filterless_tau_syn=<ms> (e.g. 0.1 x the membrane time constant) to realise it with "
            f"that short synaptic time constant, accepting a rise over ~tau_syn and a peak lower "
            f"by O(tau_syn / tau_mem)"
        )
    n = _size(node)
    tau_syn = np.full(n, float(filterless_tau_syn) / MS_PER_S)
    params = pynn_from_cuba(tau_syn, as_float_array(node.tau), as_float_array(node.r),
                            as_float_array(node.v_leak),
                            as_float_array(node.v_threshold) if t == "LIF" else np.full(n, READOUT_THRESHOLD_MV),
                            as_float_array(node.v_reset) if t == "LIF" else as_float_array(node.v_leak))
    note = (f"{name} ({t}): synaptic jump realised with tau_syn = {filterless_tau_syn} ms "
            f"(filterless_tau_syn)")
    return params, np.ones(n), tau_syn, note


def _validate(name, node, params):
    """Refuse parameters no neuron can have (the message names the node and the parameter)."""
    for key, value in params.items():
        if not np.all(np.isfinite(value)):
            raise NIRMissingParameterError(f"node {name!r} ({_type(node)}): {key} has non-finite values")
    for key in ("tau_m", "tau_syn_E", "cm"):
        if np.any(params[key] <= 0):
            what = "r (resistance)" if key == "cm" else key
            raise NIRMissingParameterError(
                f"node {name!r} ({_type(node)}): {what} must be > 0 (got min {params[key].min():g} "
                f"in PyNN units)")


def _celltype(sim, params):
    kw = {}
    for k, v in params.items():
        v = np.asarray(v, float)
        kw[k] = float(v[0]) if np.all(v == v[0]) else v
    return sim.IF_curr_exp(**kw)


def load(path: str | os.PathLike, sim, *, input_spikes: dict | None = None,
         spike_width: float | None = None, zero_delay: str = "refuse",
         filterless_tau_syn: float | None = None, voltage_scale: float = 1.0,
         voltage_offset: float = 0.0, label_prefix: str = "") -> NIRNetwork:
    """Build the NIR graph in ``path`` with the PyNN API of ``sim`` (after ``sim.setup``).

    Parameters
    ----------
    path
        NIR HDF5 file.
    sim
        A PyNN backend module, e.g. ``neurohw.backend("nest")`` or ``neurohw.backend("emulator")``,
        already set up (its time step fixes which delays are realisable).
    input_spikes
        ``{input node name: [spike times (ms) of neuron 0, of neuron 1, ...]}``; inputs not given
        start empty (set them later with :meth:`NIRNetwork.set_input`).
    spike_width
        ``None``: spikes are unit-area Dirac deltas (the NIR specification). A time step ``dt`` in
        **seconds**: spikes are unit-height pulses of that width, the convention of discrete-time
        exporters (snnTorch, Norse); weights are multiplied by ``dt``.
    zero_delay
        ``"refuse"`` (default): an edge chain without a ``Delay`` is an error, because PyNN cannot
        transmit a spike in zero time. ``"timestep"``: realise it with the minimum delay, one time
        step, and issue a :class:`NIRApproximationWarning`.
    filterless_tau_syn
        Synaptic time constant (ms) with which ``LIF``/``LI`` nodes (no synaptic filter in NIR) are
        approximated; ``None`` refuses them.
    voltage_scale, voltage_offset
        How NIR's dimensionless voltages become mV: ``v_mV = voltage_scale * v + voltage_offset``
        (default 1 mV per unit, no offset). Exact for every neuron type: the equations are
        invariant under this map when currents (weights, ``i_offset``) are multiplied by
        ``voltage_scale`` as well, which ``load`` does. Use it to move graphs with ``v_leak = 0``,
        ``v_threshold = 1`` (snnTorch) into the voltage range of a (emulated) chip.
    label_prefix
        Prefix of the PyNN population labels.
    """
    if not voltage_scale > 0:
        raise ValueError(f"voltage_scale must be > 0 (mV per NIR voltage unit), not {voltage_scale}")
    if zero_delay not in ("refuse", "timestep"):
        raise ValueError(f"zero_delay must be 'refuse' or 'timestep', not {zero_delay!r}")
    graph = read_graph(path)
    spike_area = 1.0 if spike_width is None else float(spike_width)
    dt = float(sim.get_time_step())
    net = NIRNetwork(graph=graph)

    succ: dict[str, list[str]] = {}
    for a, b in graph.edges:
        for end in (a, b):
            if end not in graph.nodes:
                raise NIRFormatError(f"edge ({a!r}, {b!r}) names node {end!r}, which the graph lacks")
        succ.setdefault(a, []).append(b)

    for name, node in graph.nodes.items():
        t = _type(node)
        if t in _REFUSED:
            raise NIRUnsupportedNodeError(f"node {name!r} ({t}): {_REFUSED[t]}")
        if t not in NEURONS + TRANSFORMS + ("Input", "Output"):
            raise NIRUnsupportedNodeError(
                f"node {name!r} has type {t}, which neurohw cannot map; supported: "
                f"{', '.join(NEURONS + TRANSFORMS + ('Input', 'Output'))}")
    _check_transform_cycles(graph, succ)

    info = {}
    for name, node in graph.nodes.items():
        t = _type(node)
        if t == "Input":
            n = _size(node)
            spikes = (input_spikes or {}).get(name)
            pop = sim.Population(n, sim.SpikeSourceArray(spike_times=[]), label=label_prefix + name)
            net.inputs[name] = pop
            net.populations[name] = pop
            if spikes is not None:
                net.set_input(name, spikes)
        elif t in NEURONS:
            params, w_in, tau_syn, note = _neuron_params(name, node, filterless_tau_syn)
            _validate(name, node, params)
            for key in ("v_rest", "v_thresh", "v_reset"):
                if key != "v_thresh" or _type(node) in ("CubaLIF", "LIF"):
                    params[key] = voltage_scale * params[key] + voltage_offset
            if note:
                net.approximations.append(note)
            label = node.metadata.get("pynn_label", name) if node.metadata else name
            label = label.decode() if isinstance(label, bytes) else str(label)
            pop = sim.Population(_size(node), _celltype(sim, params), label=label_prefix + label)
            v_init = params["v_rest"]
            meta_v = (node.metadata or {}).get("v_init")
            if meta_v is not None and np.asarray(meta_v).size == pop.size:
                v_init = voltage_scale * np.asarray(meta_v, float).reshape(-1) + voltage_offset
            pop.initialize(v=v_init if np.any(v_init != v_init[0]) else float(v_init[0]))
            net.populations[name] = pop
            info[name] = (w_in, tau_syn, np.zeros(pop.size))

    # --- weight paths from every source (Input or neuron) to neurons / outputs -----------------
    terms = []  # (src, tgt, W (n_tgt x n_src), D (n_tgt x n_src, s), route)

    def walk(src, n_src, cur, W, d_pre, d_post, route):
        node = graph.nodes[cur]
        t = _type(node)
        dim = n_src if W is None else W.shape[0]
        if t in NEURONS:
            if W is None:
                if n_src != _size(node):
                    raise NIRFormatError(f"edge {route[-2]!r} -> {cur!r}: sizes {n_src} and {_size(node)} differ")
                W = np.eye(n_src)
            D = d_pre[None, :] + (d_post[:, None] if d_post is not None else 0.0)
            terms.append((src, cur, W, np.broadcast_to(D, W.shape), route))
            return
        if t == "Output":
            if W is not None or np.any(d_pre != 0):
                raise NIRUnsupportedNodeError(
                    f"output {cur!r} is fed through weight/delay nodes ({' -> '.join(route)}); an "
                    f"Output must be fed directly by a neuron or Input node")
            net.outputs[cur] = net.populations[src]
            return
        if t == "Input":
            raise NIRFormatError(f"edge into Input node {cur!r} ({' -> '.join(route)})")
        if t == "Delay":
            delay = as_float_array(node.delay)
            if delay.size not in (1, dim):
                raise NIRFormatError(f"Delay node {cur!r} has {delay.size} delays for {dim} signals")
            delay = np.broadcast_to(delay, (dim,))
            if W is None:
                d_pre = d_pre + delay
            else:
                d_post = delay.copy() if d_post is None else d_post + delay
        elif t in ("Linear", "Affine", "Scale"):
            if t == "Scale":
                M = np.diag(as_float_array(node.scale))
            else:
                M = np.asarray(node.weight, float)
                if M.ndim != 2:
                    raise NIRUnsupportedNodeError(f"node {cur!r} ({t}): weight of shape {M.shape}; only 2-D matrices map to projections")
            if M.shape[1] != dim:
                raise NIRFormatError(f"node {cur!r} ({t}) takes {M.shape[1]} inputs but receives {dim} ({' -> '.join(route)})")
            if d_post is not None:
                if np.any(d_post != d_post[0]):
                    raise NIRUnsupportedNodeError(
                        f"node {cur!r}: the delays before it (after an earlier weight node, "
                        f"{' -> '.join(route)}) differ between signals, which has no per-synapse "
                        f"equivalent; put the Delay before the first or after the last weight node")
                d_pre, d_post = d_pre + d_post[0], None
            W = M @ (np.eye(n_src) if W is None else W)
        # Flatten: identity
        for nxt in succ.get(cur, ()):
            walk(src, n_src, nxt, W, d_pre, d_post, route + [nxt])

    for src, pop in list(net.populations.items()):
        for nxt in succ.get(src, ()):
            walk(src, pop.size, nxt, None, np.zeros(pop.size), None, [src, nxt])

    # --- Affine biases: constant inputs, propagated through later weight nodes -----------------
    def bias_walk(cur, b, route):
        node = graph.nodes[cur]
        t = _type(node)
        if t in NEURONS:
            w_in, _, offset = info[cur]
            offset += w_in * b
            return
        if t in ("Linear", "Affine"):
            b = np.asarray(node.weight, float) @ b
        elif t == "Scale":
            b = as_float_array(node.scale) * b
        elif t == "Output":
            raise NIRUnsupportedNodeError(f"the bias of {route[0]!r} reaches output {cur!r} without a neuron")
        for nxt in succ.get(cur, ()):
            bias_walk(nxt, b, route + [nxt])

    for name, node in graph.nodes.items():
        if _type(node) == "Affine" and np.any(np.asarray(node.bias) != 0):
            for nxt in succ.get(name, ()):
                bias_walk(nxt, as_float_array(node.bias), [name, nxt])
    for name, (w_in, tau_syn, offset) in info.items():
        if np.any(offset != 0):
            net.populations[name].set(i_offset=voltage_scale * offset)

    # --- projections: one per (source, target, sign); parallel paths are multapses ----
    pending: dict = {}
    for src, tgt, W, D, route in terms:
        w_in, tau_syn, _ = info[tgt]
        weights = voltage_scale * synaptic_weight_nA(W, w_in, tau_syn, spike_area)
        delays = np.array(D, float) * MS_PER_S
        mask = weights != 0
        if np.any(delays[mask] == 0):
            if zero_delay == "refuse":
                raise NIRUnsupportedNodeError(
                    f"path {' -> '.join(route)} has no Delay: a spike would arrive in zero time, "
                    f"which PyNN cannot realise. Add a Delay node, or pass zero_delay='timestep' to "
                    f"use one time step ({dt} ms)")
            msg = f"path {' -> '.join(route)}: zero delay realised as one time step ({dt} ms)"
            warnings.warn(msg, NIRApproximationWarning, stacklevel=2)
            net.approximations.append(msg)
            delays[delays == 0] = dt
        steps = delays[mask] / dt
        if np.any(np.abs(steps - np.round(steps)) > 1e-6):
            bad = delays[mask][np.abs(steps - np.round(steps)) > 1e-6][0]
            raise NIRUnsupportedNodeError(
                f"path {' -> '.join(route)}: delay {bad} ms is not a multiple of the time step "
                f"{dt} ms; choose a time step that divides every delay")
        post_i, pre_i = np.nonzero(mask)
        for receptor, sel in (("excitatory", weights[mask] > 0), ("inhibitory", weights[mask] < 0)):
            if np.any(sel):
                pending.setdefault((src, tgt, receptor), []).append(np.column_stack(
                    [pre_i[sel], post_i[sel], weights[mask][sel], delays[mask][sel]]))
    for (src, tgt, receptor), parts in pending.items():
        net.projections.setdefault(f"{src}->{tgt}", []).append(sim.Projection(
            net.populations[src], net.populations[tgt],
            sim.FromListConnector(np.vstack(parts), column_names=["weight", "delay"]),
            sim.StaticSynapse(), receptor_type=receptor,
            label=f"{label_prefix}{src}->{tgt}:{receptor}"))
    return net
