"""Calibrate the neuron circuits a WTA circuit occupies on an emulated chip, to its own parameters.

An uncalibrated chip realises every analog parameter through the nominal DAC transfer curves, so
each circuit's threshold, leak, time constants and synaptic gain deviate from what was asked
(fixed-pattern noise). In a race to threshold the circuits that came out most excitable win
regardless of their input, and the WTA learns little (realistic bss1, chip_seed 0, first-spike
winner rule, ON-only code: 63 % held-out digits accuracy uncalibrated versus 78-87 % calibrated;
see ``/work/readme_parts/wta.md``).

:func:`wta_calibration_targets` lists, circuit by circuit, the values the circuit asks for:
relays (``inputs``: short synaptic time constant, reset below rest), then the z-neurons and the
inhibitory interneurons (``CircuitParameters.z_cell``). The emulator places populations on
circuits ``0, 1, ...`` in the order they are created, skipping spike sources, so for a simulation
that holds only this WTA circuit the relays occupy circuits ``0 .. N-1``, the z-neurons
``N .. N+K-1`` and the interneurons the next ``n_inh``. :func:`calibrate_wta_chip` runs the
measure-and-fit calibration of ``neurohw.hw_calibration`` on exactly those circuits (about 12 s
for 156 circuits); pass the result to ``sim.setup(calibration=...)``. The calibration sees the
chip only through experiments, as on hardware.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurohw.networks.wta.circuit import CircuitParameters

__all__ = ["wta_calibration_targets", "calibrate_wta_chip"]


def wta_calibration_targets(params: CircuitParameters, n_inputs: int,
                            n_z: int) -> dict[str, np.ndarray]:
    """Per-circuit calibration targets (mV, ms) of one WTA circuit, in placement order.

    Returns name -> array of length ``n_inputs + n_z + params.n_inh`` for the parameters of
    :data:`neurohw.hw_calibration.CALIBRATED_PARAMETERS` that the cell types set (the synaptic
    gains keep their default target 1: realised weight = programmed weight).
    """
    relay, z = params.relay_cell(), params.z_cell()
    n_rest = n_z + params.n_inh

    def per_circuit(name: str) -> np.ndarray:
        return np.concatenate([np.full(n_inputs, float(relay[name])),
                               np.full(n_rest, float(z[name]))])

    return {name: per_circuit(name) for name in ("v_rest", "v_reset", "v_thresh", "tau_m",
                                                 "tau_refrac", "tau_syn_E", "tau_syn_I")}


def calibrate_wta_chip(params: CircuitParameters, n_inputs: int, n_z: int, chip_seed: int = 0,
                       preset: str = "bss1",
                       progress: Callable[[str], None] | None = None):
    """Calibrate the circuits of one WTA circuit on chip ``chip_seed``; returns the calibration.

    The result (a :class:`neurohw.hw_calibration.Calibration`) goes to
    ``sim.setup(calibration=...)``; ``neurohw.hw_calibration.save`` writes it to a file.
    """
    from neurohw.hw_calibration import calibrate_chip

    targets = wta_calibration_targets(params, n_inputs, n_z)
    n_circuits = n_inputs + n_z + params.n_inh
    return calibrate_chip(int(chip_seed), preset, targets=targets, n_circuits=n_circuits,
                          progress=progress)
