"""Projection of the emulator backend: connections stored as arrays (pre/post index within the
projection's pre/post, weight, delay).

``get("weight")`` returns the realised weights in PyNN units: the requested ones in ideal mode,
the chip's quantised *digital* values otherwise (weight code x row scale, after clipping and
synapse loss). The hidden analog per-circuit synaptic gain is applied only inside the engine
(``ChipWiring.engine_weights``). Delays: the chip realises one routing delay.
"""

from __future__ import annotations

import numpy as np

from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .standardmodels import StaticSynapse


class Connection(common.Connection):
    """One connection of a projection (read/write access to weight and delay)."""

    def __init__(self, projection, k):
        self.projection = projection
        self.k = k

    @property
    def presynaptic_index(self):
        return int(self.projection._pre_index[self.k])

    @property
    def postsynaptic_index(self):
        return int(self.projection._post_index[self.k])

    def _get_weight(self):
        return float(self.projection._realised("weight")[self.k])

    def _set_weight(self, value):
        _check_weight_signs(self.projection, np.array([float(value)]))
        self.projection._params["weight"][self.k] = value
        self.projection._changed()

    def _get_delay(self):
        return float(self.projection._realised("delay")[self.k])

    def _set_delay(self, value):
        self.projection._check_delays(np.array([float(value)]))
        self.projection._params["delay"][self.k] = value
        self.projection._changed()

    weight = property(_get_weight, _set_weight)
    delay = property(_get_delay, _set_delay)

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        self._chunks_pre: list[np.ndarray] = []
        self._chunks_post: list[np.ndarray] = []
        self._chunks_params: dict[str, list[np.ndarray]] = {}
        self._realised_cache: dict[str, np.ndarray] = {}
        self.quantisation_report = None
        self.kept_mask = None
        self._connect(connector)
        self._finalise()
        simulator.state.projections.append(self)
        simulator.state.mark_dirty("structure")

    # -- creation ------------------------------------------------------------------------
    def _connect(self, connector) -> None:
        """``connector.connect(self)``, working around PyNN 0.13 + NumPy 2 for one presynaptic
        neuron: a map connector's column is then a 0-d boolean array, on which PyNN calls
        ``nonzero()`` (an error in NumPy 2; e.g. a 1-to-1 OneToOneConnector). Columns are made
        1-d here; nothing else changes."""
        standard_connect = getattr(connector, "_standard_connect", None)
        if self.pre.size != 1 or standard_connect is None:
            connector.connect(self)
            return

        def columns_1d(projection, connection_map_generator, distance_map=None):
            def generator(*args):
                for mask in connection_map_generator(*args):
                    is_array = isinstance(mask, (np.ndarray, np.generic))
                    yield np.atleast_1d(mask) if is_array and np.ndim(mask) == 0 else mask
            return standard_connect(projection, generator, distance_map)

        connector._standard_connect = columns_1d
        try:
            connector.connect(self)
        finally:
            del connector._standard_connect

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if location_selector is not None:
            raise errors.ConnectionError(
                "the emulator has point neurons only; location_selector is not supported")
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        n = pre.size
        self._chunks_pre.append(pre)
        self._chunks_post.append(np.full(n, int(postsynaptic_index), dtype=np.int64))
        for name, value in connection_parameters.items():
            arr = np.broadcast_to(np.asarray(value, dtype=float), (n,)).astype(float)
            self._chunks_params.setdefault(name, []).append(arr)

    def _finalise(self) -> None:
        cat = (lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt))
        self._pre_index = cat(self._chunks_pre, np.int64)
        self._post_index = cat(self._chunks_post, np.int64)
        self._params = {name: cat(chunks, float) for name, chunks in self._chunks_params.items()}
        for name, default in (("weight", getattr(self.synapse_type, "weight", None)
                               or self.synapse_type.default_parameters.get("weight", 0.0)),
                              ("delay", self._default_delay())):
            if name not in self._params:
                self._params[name] = np.full(self._pre_index.size, float(default))
        del self._chunks_pre, self._chunks_post, self._chunks_params
        self._check_delays(self._params["delay"])

    def _default_delay(self) -> float:
        d = self.synapse_type.default_parameters.get("delay")
        return float(d) if d is not None else simulator.state.dt

    def _check_delays(self, delays: np.ndarray) -> None:
        dt = simulator.state.dt
        if delays.size and (np.any(~np.isfinite(delays)) or delays.min() < dt - 1e-9):
            bad = delays[~np.isfinite(delays) | (delays < dt - 1e-9)][0]
            raise errors.ConnectionError(
                f"projection {self.label!r}: delay {bad:g} ms is not allowed; delays must be "
                f">= the time step ({dt:g} ms)")

    def __len__(self):
        return int(self._pre_index.size)

    @property
    def connections(self):
        return (Connection(self, k) for k in range(len(self)))

    def _store_learned_weights(self, weights: np.ndarray) -> None:
        """Weights a plasticity rule learned during a run (uS or nA; the chip's realised
        values) become the projection's weights; the engine's tables already hold them."""
        self._params["weight"] = np.asarray(weights, dtype=float)
        self._realised_cache.pop("weight", None)

    def _changed(self) -> None:
        self._realised_cache = {}
        simulator.state.mark_dirty("synapses")

    # -- values --------------------------------------------------------------------------
    def _realised(self, name: str) -> np.ndarray:
        """Weights/delays as the engine uses them (chip-realised unless ideal)."""
        if name not in self._realised_cache:
            engine = simulator.state.engine
            if engine.chip is not None and name in ("weight", "delay"):
                engine.build()
                if name not in self._realised_cache:
                    engine.realise_projection(self)
            else:
                self._realised_cache[name] = self._params[name]
        return self._realised_cache[name]

    def _engine_weights_delays(self) -> tuple[np.ndarray, np.ndarray]:
        """Weights (with the chip's analog gain) and delays the engine integrates."""
        engine = simulator.state.engine
        if engine.chip is not None:
            engine.realise_projection(self)
            _pre, post_g = self._global_indices()
            return (engine.engine_weights(self.receptor_type, post_g,
                                          self._realised_cache["weight"]),
                    self._realised_cache["delay"])
        return self._params["weight"], self._params["delay"]

    def _global_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Engine ids of every connection's pre (neurons, then sources) and post neuron."""
        return (_engine_index(self.pre, self._pre_index),
                _engine_index(self.post, self._post_index))

    def _set_attributes(self, parameter_space):
        """Values of every connection from (n_pre, n_post) arrays (every connection of a pair
        gets the pair's value); all are checked before any is written."""
        parameter_space.evaluate(simplify=False)
        updates = {}
        for name, value in parameter_space.items():
            arr = np.asarray(value, dtype=float)
            if arr.ndim == 2:
                new = arr[self._pre_index, self._post_index]
            else:
                new = np.broadcast_to(arr, self._pre_index.shape)
            if np.isnan(new).any():
                k = int(np.flatnonzero(np.isnan(new))[0])
                raise errors.InvalidParameterValueError(
                    f"projection {self.label!r}: {name} is NaN for the existing connection "
                    f"{int(self._pre_index[k])} -> {int(self._post_index[k])}; NaN may only "
                    f"stand where there is no connection")
            if name == "delay":
                self._check_delays(new)
            if name == "weight":
                _check_weight_signs(self, new)
            updates[name] = np.array(new, dtype=float)
        self._params.update(updates)
        self._changed()

    def _get_attributes_as_list(self, names):
        columns = []
        for name in names:
            if name == "presynaptic_index":
                columns.append(self._pre_index)
            elif name == "postsynaptic_index":
                columns.append(self._post_index)
            elif name in ("weight", "delay"):
                columns.append(self._realised(name))
            else:
                columns.append(self._params[name])
        return [tuple(row) for row in zip(*[c.tolist() for c in columns])]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        """(n_pre, n_post) arrays, NaN where there is no connection; several connections of one
        pair are combined by ``multiple_synapses``: "sum", "min", "max", or the "first"/"last"
        connection made."""
        ops = {"sum": (np.add.at, 0.0), "min": (np.minimum.at, np.inf),
               "max": (np.maximum.at, -np.inf)}
        if multiple_synapses not in ops and multiple_synapses not in ("first", "last"):
            raise ValueError(f"multiple_synapses must be one of 'sum', 'min', 'max', 'first', "
                             f"'last', got {multiple_synapses!r}")
        connected = np.zeros(self.shape, dtype=bool)
        connected[self._pre_index, self._post_index] = True
        if multiple_synapses in ("first", "last"):
            pair = self._pre_index * self.shape[1] + self._post_index
            order = slice(None) if multiple_synapses == "first" else slice(None, None, -1)
            _, pick = np.unique(pair[order], return_index=True)
            pick = np.arange(pair.size)[order][pick]  # one connection per connected pair
        out = []
        for name in names:
            if name in ("weights", "delays"):
                name = name[:-1]
            values = self._realised(name) if name in ("weight", "delay") else self._params[name]
            if multiple_synapses in ("first", "last"):
                arr = np.full(self.shape, np.nan)
                arr[self._pre_index[pick], self._post_index[pick]] = values[pick]
            else:
                op, fill = ops[multiple_synapses]
                arr = np.full(self.shape, fill)
                op(arr, (self._pre_index, self._post_index), values)
                arr[~connected] = np.nan
            out.append(arr)
        return out


def _check_weight_signs(projection, weights: np.ndarray) -> None:
    from pyNN.standardmodels.base import check_weights

    check_weights(weights, projection)


def _engine_index(group, index: np.ndarray) -> np.ndarray:
    """Engine ids of cells ``index`` of a Population, PopulationView or Assembly."""
    if isinstance(group, common.Assembly):
        ids = np.asarray(group.all_cells, dtype=np.int64)[index]
        out = np.empty(index.size, dtype=np.int64)
        for pop in {p.grandparent if hasattr(p, "grandparent") else p for p in group.populations}:
            sel = (ids >= int(pop.first_id)) & (ids <= int(pop.last_id))
            out[sel] = pop._engine_offset + ids[sel] - int(pop.first_id)
        return out
    if isinstance(group, common.PopulationView):
        return group.grandparent._engine_offset + np.asarray(
            group.index_in_grandparent(index), dtype=np.int64)
    return group._engine_offset + index
