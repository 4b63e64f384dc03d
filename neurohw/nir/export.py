"""Export PyNN populations and projections to a NIR graph (HDF5), exactly or not at all.

Mapping (see :mod:`neurohw.nir.units` for the units):

* ``SpikeSourceArray`` population -> ``Input`` node (the spike times are data, not part of the
  graph; set them again after :func:`neurohw.nir.load`).
* ``IF_curr_exp`` population -> ``CubaLIF`` node; its initial membrane potential and its PyNN
  label travel in the node's metadata (``v_init``, ``pynn_label``), so a round trip starts from
  the same state.
* a ``Projection`` -> one ``Linear`` node (n_post x n_pre, weights in nA, summed over multapses)
  followed by one ``Delay`` node (delays in s) *per distinct delay value* of the projection — an
  exact, per-synapse encoding of PyNN's delays.
* every exported neuron population without an exported projection to another population
  (self-recurrence does not count), and every population
  in ``outputs``, gets an ``Output`` node.

Refused (:class:`~neurohw.nir.errors.NIRExportError`): other cell types (conductance-based,
AdEx, Poisson sources: NIR has no exact equivalent), ``tau_refrac > 0`` (NIR neurons have no
refractory period; set it to 0), ``tau_syn_E != tau_syn_I`` when both receptors are used (a NIR
CubaLIF has one synaptic filter), plastic synapses (exported as their current weights only if
``freeze_plasticity=True``), projections between views or assemblies.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

import numpy as np

from neurohw.nir.errors import NIRExportError
from neurohw.nir.fileio import require_nir, write_graph
from neurohw.nir.units import MS_PER_S, PYNN_CELL, cubalif_from_pynn

_PARAMS = ("tau_m", "cm", "v_rest", "v_thresh", "v_reset", "i_offset", "tau_refrac",
           "tau_syn_E", "tau_syn_I")


def _is_population(obj) -> bool:
    return hasattr(obj, "celltype") and hasattr(obj, "size") and not hasattr(obj, "pre")


def _whole_population(obj, what: str):
    cls = type(obj).__name__
    if cls in ("PopulationView", "Assembly") or getattr(obj, "parent", None) is not None:
        raise NIRExportError(
            f"{what} {getattr(obj, 'label', obj)!r} is a {cls}; export works on whole Populations "
            f"— build the projection between Populations"
        )
    return obj


def _names(populations) -> dict[int, str]:
    names, used = {}, set()
    for i, pop in enumerate(populations):
        base = re.sub(r"[^A-Za-z0-9_]+", "_", str(pop.label or "")).strip("_") or f"pop{i}"
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        names[id(pop)] = name
    return names


def _values(pop, name: str) -> np.ndarray:
    return np.asarray(pop.get(name, gather=True, simplify=False), dtype=float).reshape(-1)


def _initial_v(pop, default: np.ndarray) -> np.ndarray:
    iv = getattr(pop, "initial_values", {}).get("v")
    if iv is None:
        return default
    try:
        iv.shape = (pop.size,)
        return np.asarray(iv.evaluate(simplify=False), dtype=float).reshape(-1)
    except Exception:  # pragma: no cover - a backend without lazyarray initial values
        return default


def export(objects: Iterable, path: str | os.PathLike, *, outputs: Iterable = (),
           freeze_plasticity: bool = False) -> Path:
    """Write the PyNN network made of ``objects`` to the NIR file ``path``.

    Parameters
    ----------
    objects
        Populations and/or Projections. The graph holds the given projections and every
        population given or touched by one of them.
    path
        Target ``.nir`` (HDF5) file; written to a temporary file and renamed.
    outputs
        Populations that get an ``Output`` node in addition to the sinks of the graph.
    freeze_plasticity
        Export plastic projections with their current weights (otherwise refused).

    Returns the path written. Raises :class:`NIRExportError` naming the object that has no exact
    NIR equivalent, before anything is written.
    """
    nir = require_nir()
    objects = list(objects)
    pops, prjs = [], []
    for obj in objects:
        if hasattr(obj, "pre") and hasattr(obj, "post"):
            prjs.append(obj)
        elif _is_population(obj):
            pops.append(_whole_population(obj, "population"))
        else:
            raise NIRExportError(f"cannot export {obj!r}: pass PyNN Populations and Projections")
    for prj in prjs:
        for end in (prj.pre, prj.post):
            _whole_population(end, f"projection {prj.label!r} endpoint")
            if not any(end is p for p in pops):
                pops.append(end)
    if not pops:
        raise NIRExportError("nothing to export: pass at least one Population or Projection")
    names = _names(pops)
    receptors = {id(p): set() for p in pops}
    for prj in prjs:
        receptors[id(prj.post)].add(prj.receptor_type)

    nodes, edges = {}, []
    for pop in pops:
        name = names[id(pop)]
        ctype = type(pop.celltype).__name__
        if ctype == "SpikeSourceArray":
            nodes[name] = nir.Input(input_type={"input": np.array([pop.size])},
                                    metadata={"pynn_label": str(pop.label), "pynn_cell_type": ctype})
            continue
        if ctype != PYNN_CELL:
            raise NIRExportError(
                f"population {pop.label!r}: cell type {ctype} has no exact NIR equivalent; NIR "
                f"export supports {PYNN_CELL} neurons and SpikeSourceArray inputs"
            )
        p = {k: _values(pop, k) for k in _PARAMS}
        if np.any(p["tau_refrac"] != 0):
            raise NIRExportError(
                f"population {pop.label!r}: tau_refrac = {np.unique(p['tau_refrac'])[:3]} ms, but "
                f"NIR neurons have no refractory period; set tau_refrac=0 to export"
            )
        used = receptors[id(pop)]
        if np.any(p["tau_syn_E"] != p["tau_syn_I"]) and len(used) > 1:
            raise NIRExportError(
                f"population {pop.label!r}: tau_syn_E != tau_syn_I and both receptors receive "
                f"projections; a NIR CubaLIF has one synaptic time constant"
            )
        tau_syn = p["tau_syn_I"] if used == {"inhibitory"} else p["tau_syn_E"]
        params = cubalif_from_pynn(p, tau_syn)
        v_init = _initial_v(pop, p["v_rest"])
        nodes[name] = nir.CubaLIF(**params, metadata={
            "pynn_label": str(pop.label), "pynn_cell_type": ctype, "v_init": v_init})

    out_pops = [p for p in pops if not any(prj.pre is p and prj.post is not p for prj in prjs)
                and type(p.celltype).__name__ != "SpikeSourceArray"]
    for extra in outputs:
        if not any(extra is p for p in out_pops):
            out_pops.append(extra)
    for pop in out_pops:
        if id(pop) not in names:
            raise NIRExportError(f"output {pop.label!r} is not among the exported populations")
        oname = f"{names[id(pop)]}_output"
        nodes[oname] = nir.Output(output_type={"output": np.array([pop.size])})
        edges.append((names[id(pop)], oname))

    used_names = set(nodes)
    for k, prj in enumerate(prjs):
        if getattr(prj, "synapse_type", None) is not None and type(prj.synapse_type).__name__ not in (
                "StaticSynapse",) and not freeze_plasticity:
            raise NIRExportError(
                f"projection {prj.label!r}: synapse type {type(prj.synapse_type).__name__} is "
                f"plastic; NIR holds static weights — pass freeze_plasticity=True to export the "
                f"current weights"
            )
        base = re.sub(r"[^A-Za-z0-9_]+", "_", str(prj.label or "")).strip("_") or f"prj{k}"
        while any(n.startswith(base) for n in used_names):
            base = f"{base}_{k}"
        conns = np.asarray(prj.get(["weight", "delay"], format="list", gather=True), dtype=float)
        conns = conns.reshape(-1, 4)
        if conns.size == 0:
            continue
        pre_i, post_i = conns[:, 0].astype(int), conns[:, 1].astype(int)
        delays = np.round(conns[:, 3], 9)
        for j, d in enumerate(np.unique(delays)):
            sel = delays == d
            W = np.zeros((prj.post.size, prj.pre.size))
            np.add.at(W, (post_i[sel], pre_i[sel]), conns[sel, 2])
            lin, dly = f"{base}_w{j}", f"{base}_d{j}"
            nodes[lin] = nir.Linear(weight=W, metadata={"pynn_projection": str(prj.label),
                                                        "pynn_receptor_type": str(prj.receptor_type)})
            nodes[dly] = nir.Delay(delay=np.full(prj.post.size, d / MS_PER_S))
            edges += [(names[id(prj.pre)], lin), (lin, dly), (dly, names[id(prj.post)])]
        used_names |= set(nodes)

    graph = nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)
    return write_graph(graph, path)
