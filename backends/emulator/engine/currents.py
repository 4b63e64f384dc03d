"""Current generators the kernel evaluates every time step: sine (``ACSource``) and Gaussian
noise (``NoisyCurrentSource``).

A generator is one row of three arrays, built by the backend's runtime:

- ``gen_kind[g]``: :data:`GEN_AC` or :data:`GEN_NOISE`;
- ``gen_par[g] = (amplitude, offset, omega, phase)`` for a sine: nA, nA, rad/ms, rad; and
  ``(stdev, mean, 0, 0)`` in nA for noise;
- ``gen_int[g] = (start_step, stop_step, period_steps, key)``: the generator is on during the
  global time steps ``start_step <= k < stop_step``; noise draws a new value every
  ``period_steps`` steps counted from ``start_step``; ``key`` (>= 0) names its random stream.

The current a generator injects during global step ``k`` (from ``k*dt`` to ``(k+1)*dt`` ms) is

- sine: ``offset + amplitude * sin(omega * (k - start_step) * dt + phase)``, i.e. the sine at
  the step's start ``t = k*dt`` with PyNN's ``ACSource`` phase convention (the phase holds at
  ``start``): what a neuron receives from NEST's ``ac_generator`` through pyNN.nest (which
  corrects the phase for ``start``), and what pyNN.nest records for the source;
- noise: ``mean + stdev * z(key, m)`` with ``m = (k - start_step) // period_steps`` and ``z`` a
  standard normal variate that depends on ``(key, m)`` only (a counter-based generator:
  SplitMix64 of the key's stream at position ``m``, Box-Muller). A noise value is therefore the
  same whichever way the simulation is split into ``run()`` calls, needs no memory per step,
  and the host reproduces it exactly for ``source.get_data()`` (:func:`generator_values`).

Outside ``[start_step, stop_step)`` a generator injects 0 nA.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Kinds of generator in ``gen_kind``.
GEN_AC, GEN_NOISE = 0, 1

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0


@njit(cache=True)
def _mix(z):
    """SplitMix64 output function (uint64 -> uint64)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def standard_normal_at(key, m):
    """Standard normal variate number ``m`` (>= 0) of the stream ``key`` (>= 0): positions
    ``2m`` and ``2m + 1`` of a SplitMix64 sequence seeded from ``key``, Box-Muller."""
    base = _mix(np.uint64(key) + _GAMMA)
    pos = np.uint64(2 * m + 1)
    u1 = 1.0 - float(_mix(base + pos * _GAMMA) >> _S11) * _TWO_M53      # (0, 1]
    u2 = float(_mix(base + (pos + np.uint64(1)) * _GAMMA) >> _S11) * _TWO_M53  # [0, 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def generator_current(kind, par, ints, step, dt):
    """Current (nA) of one generator (rows ``par``, ``ints`` of ``gen_par``/``gen_int``) during
    global time step ``step`` of ``dt`` ms."""
    start = ints[0]
    if step < start or step >= ints[1]:
        return 0.0
    if kind == GEN_AC:
        return par[1] + par[0] * math.sin(par[2] * (step - start) * dt + par[3])
    return par[1] + par[0] * standard_normal_at(ints[3], (step - start) // ints[2])


@njit(cache=True)
def generator_values(kind, par, ints, step0, n_steps, dt):
    """Currents (nA, rows x steps) of the generators ``kind``/``par``/``ints`` (rows of the
    generator table) during the global steps ``step0 .. step0+n_steps-1``."""
    out = np.empty((kind.shape[0], n_steps))
    for g in range(kind.shape[0]):
        for j in range(n_steps):
            out[g, j] = generator_current(kind[g], par[g], ints[g], step0 + j, dt)
    return out
