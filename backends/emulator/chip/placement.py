"""Mapping a network onto neuron circuits and synapse rows.

Neurons: every non-source population gets consecutive circuits, in creation order, 512 per
chip and ``n_chips`` chips. Sources (SpikeSourceArray/Poisson) need no circuit.

Synapse rows: a neuron's input arrives on synapse rows; one row carries one presynaptic source
with one sign (excitatory or inhibitory receptor). The number of rows a neuron needs is the
number of distinct (presynaptic neuron, sign) pairs that project to it, over all projections.
It may not exceed ``synapse_rows_per_neuron`` (224 on bss1, 256 on bss2). With
``allow_synapse_loss`` the excess is dropped deterministically: per neuron the first sources in
(projection creation order, connection order) keep their row, the rest lose all their synapses
to that neuron, and the losses are counted per projection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import MappingError
from .presets import Preset


@dataclass(frozen=True)
class PopulationSpec:
    """A population as the mapper sees it."""

    label: str
    size: int
    is_source: bool
    cell_type: str


@dataclass(frozen=True)
class ProjectionSpec:
    """A projection as the mapper sees it: one (pre_index, post_index) pair per connection."""

    label: str
    pre: str
    post: str
    receptor: str          # "excitatory" or "inhibitory"
    pre_index: np.ndarray
    post_index: np.ndarray


@dataclass
class Placement:
    """Where everything went. Arrays are per neuron of a population / per connection."""

    preset: str
    n_chips: int
    n_circuits: int
    row_limit: int
    circuits: dict[str, np.ndarray]
    rows_used: dict[str, np.ndarray]
    kept: dict[str, np.ndarray]
    lost_synapses: dict[str, int]
    sources: list[str] = field(default_factory=list)

    @property
    def n_lost_synapses(self) -> int:
        return int(sum(self.lost_synapses.values()))

    @property
    def n_circuits_used(self) -> int:
        return int(sum(c.size for c in self.circuits.values()))

    def to_dict(self) -> dict:
        return {
            "preset": self.preset, "n_chips": self.n_chips, "n_circuits": self.n_circuits,
            "n_circuits_used": self.n_circuits_used, "row_limit": self.row_limit,
            "populations": {
                label: {"first_circuit": int(c[0]) if c.size else None,
                        "last_circuit": int(c[-1]) if c.size else None, "size": int(c.size),
                        "max_rows_used": int(self.rows_used[label].max()) if c.size else 0,
                        "mean_rows_used": float(self.rows_used[label].mean()) if c.size else 0.0}
                for label, c in self.circuits.items()},
            "sources": list(self.sources),
            "projections": {label: {"n_connections": int(k.size), "n_kept": int(k.sum()),
                                    "n_lost": int(self.lost_synapses[label])}
                            for label, k in self.kept.items()},
            "n_lost_synapses": self.n_lost_synapses,
        }

    def report(self) -> str:
        d = self.to_dict()
        lines = [f"mapping on {d['n_chips']} {d['preset']} chip(s): "
                 f"{d['n_circuits_used']}/{d['n_circuits']} neuron circuits used, "
                 f"row limit {d['row_limit']} per neuron"]
        for label, p in d["populations"].items():
            lines.append(f"  population {label!r}: {p['size']} neurons -> circuits "
                         f"{p['first_circuit']}..{p['last_circuit']}, rows used max "
                         f"{p['max_rows_used']} mean {p['mean_rows_used']:.1f}")
        for label in d["sources"]:
            lines.append(f"  source {label!r}: host/on-chip input, no circuits")
        for label, p in d["projections"].items():
            lines.append(f"  projection {label!r}: {p['n_kept']}/{p['n_connections']} synapses "
                         f"placed, {p['n_lost']} lost")
        lines.append(f"  total lost synapses: {d['n_lost_synapses']}")
        return "\n".join(lines)


def _assign_circuits(populations: list[PopulationSpec], n_circuits: int, preset: Preset,
                     n_chips: int, limit: bool) -> dict[str, np.ndarray]:
    circuits, nxt = {}, 0
    needed = sum(p.size for p in populations if not p.is_source)
    for pop in populations:
        if pop.is_source:
            continue
        if limit and nxt + pop.size > n_circuits:
            chips_needed = -(-needed // preset.neurons_per_chip)
            raise MappingError(
                f"population {pop.label!r} ({pop.size} neurons) does not fit: the network needs "
                f"{needed} neuron circuits but preset {preset.name!r} with n_chips={n_chips} has "
                f"{n_circuits} ({preset.neurons_per_chip} per chip; {n_circuits - nxt} left when "
                f"placing {pop.label!r}). Use setup(n_chips={chips_needed}) or make the "
                f"populations smaller.")
        circuits[pop.label] = np.arange(nxt, nxt + pop.size)
        nxt += pop.size
    return circuits


def place(preset: Preset, n_chips: int, populations: list[PopulationSpec],
          projections: list[ProjectionSpec], allow_synapse_loss: bool = False,
          fan_in_limit: bool = True, chip_size_limit: bool = True) -> Placement:
    """Assign circuits and check synapse rows; see the module docstring."""
    n_circuits = preset.neurons_per_chip * n_chips
    row_limit = preset.synapse_rows_per_neuron
    by_label = {p.label: p for p in populations}
    if len(by_label) != len(populations):
        raise ValueError("population labels must be unique for mapping")
    if len({p.label for p in projections}) != len(projections):
        raise ValueError("projection labels must be unique for mapping")
    circuits = _assign_circuits(populations, n_circuits, preset, n_chips, chip_size_limit)
    # global indices: neurons (post side) and sources/neurons (pre side)
    offsets, total = {}, 0
    for p in populations:
        offsets[p.label] = total
        total += p.size
    posts, keys, proj_of = [], [], []
    for j, prj in enumerate(projections):
        for end in (prj.pre, prj.post):
            if end not in by_label:
                raise ValueError(f"projection {prj.label!r} refers to unknown population {end!r}")
        if prj.receptor not in ("excitatory", "inhibitory"):
            raise MappingError(
                f"projection {prj.label!r} uses receptor {prj.receptor!r}; the chip has only "
                f"'excitatory' and 'inhibitory' synapse rows")
        pre = np.asarray(prj.pre_index, np.int64).ravel()
        post = np.asarray(prj.post_index, np.int64).ravel()
        if pre.shape != post.shape:
            raise ValueError(f"projection {prj.label!r}: pre_index and post_index differ in length")
        sign = 1 if prj.receptor == "inhibitory" else 0
        posts.append(offsets[prj.post] + post)
        keys.append((offsets[prj.pre] + pre) * 2 + sign)
        proj_of.append(np.full(pre.size, j))
    rows_used = {label: np.zeros(c.size, np.int64) for label, c in circuits.items()}
    kept = {prj.label: np.ones(np.asarray(prj.pre_index).size, bool) for prj in projections}
    lost = {prj.label: 0 for prj in projections}
    if projections and sum(k.size for k in keys):
        post_all = np.concatenate(posts)
        key_all = np.concatenate(keys)
        proj_all = np.concatenate(proj_of)
        pair = post_all * (2 * total) + key_all
        uniq, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
        upost = uniq // (2 * total)
        per_post = np.bincount(upost, minlength=total)
        for label, c in circuits.items():
            rows_used[label] = per_post[offsets[label]:offsets[label] + c.size].copy()
        worst = int(per_post.argmax())
        if fan_in_limit and per_post[worst] > row_limit:
            if not allow_synapse_loss:
                pop = next(p for p in populations
                           if offsets[p.label] <= worst < offsets[p.label] + p.size)
                names = sorted({projections[j].label for j in np.unique(
                    proj_all[post_all == worst])})
                n_over = int(np.count_nonzero(per_post > row_limit))
                raise MappingError(
                    f"fan-in too large: neuron {worst - offsets[pop.label]} of population "
                    f"{pop.label!r} needs {int(per_post[worst])} synapse rows (distinct "
                    f"presynaptic sources per sign, from projection(s) {names}) but preset "
                    f"{preset.name!r} allows {row_limit} per neuron; {n_over} neuron(s) exceed "
                    f"the limit. Reduce the number of presynaptic sources per neuron (sparser "
                    f"connectivity or fewer/merged inputs) or pass allow_synapse_loss=True to "
                    f"drop and report the excess.")
            # rank sources per post neuron by first appearance; keep the first row_limit
            order = np.lexsort((first, upost))
            sp = upost[order]
            starts = np.r_[0, np.flatnonzero(np.diff(sp)) + 1]
            group_start = np.repeat(starts, np.diff(np.r_[starts, sp.size]))
            keep_pair = np.empty(uniq.size, bool)
            keep_pair[order] = (np.arange(sp.size) - group_start) < row_limit
            keep_conn = keep_pair[inverse.ravel()]
            for j, prj in enumerate(projections):
                k = keep_conn[proj_all == j]
                kept[prj.label] = k
                lost[prj.label] = int(np.count_nonzero(~k))
            kept_posts = np.bincount(upost[keep_pair], minlength=total)
            for label, c in circuits.items():
                rows_used[label] = kept_posts[offsets[label]:offsets[label] + c.size].copy()
    return Placement(preset=preset.name, n_chips=n_chips, n_circuits=n_circuits,
                     row_limit=row_limit, circuits=circuits, rows_used=rows_used, kept=kept,
                     lost_synapses=lost, sources=[p.label for p in populations if p.is_source])
