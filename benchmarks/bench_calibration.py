"""Benchmark: calibrate an emulated chip by measurement; spread before/after and wall time.

``run(quick=False)`` calibrates the whole chip (512 circuits, every parameter, chip_seed 3,
preset bss1) as ``neurohw calibrate --chip-seed 3`` does; ``quick=True`` calibrates 64
circuits. Spreads are measured on the chip (recordings), never read from the emulator's hidden
state. The load average (1/5/15 min) is reported with the wall time. Units: mV for
potentials, relative for time constants and gains.
"""

from __future__ import annotations

import os
import time


def run(quick: bool = False) -> dict:
    from neurohw.hw_calibration import report
    from neurohw.hw_calibration.calibrate import calibrate_chip

    n = 64 if quick else None
    t0 = time.perf_counter()
    cal = calibrate_chip(3, "bss1", n_circuits=n)
    wall = time.perf_counter() - t0
    out = report.summary(cal)
    out["wall_time_s"] = wall
    out["target_wall_time_s"] = 120.0
    out["quick"] = bool(quick)
    out["load_average"] = list(os.getloadavg())       # 1/5/15 min: the machine is shared
    return out


if __name__ == "__main__":
    import sys

    from neurohw.cliutil import emit_json

    emit_json(run(quick="--quick" in sys.argv))
