"""Energy and time reports of a run, on either backend.

``sim.energy_report()`` returns an :class:`EnergyReport` (a dict with a readable ``str``):

* emulator: hardware wall time and an energy estimate of the emulated chip from counted events
  (:mod:`neurohw.backends.emulator.chip.energy`, figures cited there);
* NEST (``neurohw.backend("nest")``): the measured wall time and CPU time of ``run()`` calls
  and the CPU energy, measured through RAPL when ``/sys/class/powercap/*/energy_uj`` is
  readable, otherwise estimated as CPU seconds x a per-core power taken from the CPU's TDP
  (:func:`cpu_power_per_core`). The report's ``method`` says which.

Both cover the current segment: ``setup()`` and ``reset()`` start a new account.
"""

from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass

#: TDP / cores of common server and desktop CPU families, W per core (thread-level work on one
#: core). Substring of /proc/cpuinfo's "model name" -> (W per core, where the figure comes
#: from). ASSUMPTIONS from vendor TDPs, not measurements of this machine.
CPU_POWER_PER_CORE_W: tuple[tuple[str, float, str], ...] = (
    ("EPYC", 3.75, "AMD EPYC (Zen 3, e.g. EPYC 7B13/7763: 240-280 W TDP / 64 cores)"),
    ("Xeon", 7.3, "Intel Xeon Scalable (e.g. Platinum 8280: 205 W TDP / 28 cores)"),
    ("Ryzen", 6.6, "AMD Ryzen desktop (e.g. Ryzen 9 5950X: 105 W TDP / 16 cores)"),
    ("Core(TM) i", 10.0, "Intel Core desktop (e.g. i7-12700K: 125 W base / 12 cores)"),
    ("Apple", 5.0, "Apple M-series performance core (~5 W)"),
)
#: Per-core power when the model is not in the table (W): an assumption.
DEFAULT_POWER_PER_CORE_W = 10.0


class EnergyReport(dict):
    """Energy/time report of one segment: a dict (JSON-ready) with a readable ``str``."""

    def __str__(self) -> str:
        lines = [f"energy report ({self.get('backend')}"
                 + (f", preset {self['preset']}" + (", ideal" if self.get("ideal") else "")
                    if self.get("backend") == "emulator" else "") + ")"]
        if "biological_time_s" in self:
            lines.append(f"  biological time       {self['biological_time_s']:.6g} s")
        if "hardware_wall_time_s" in self:
            lines.append(f"  hardware wall time    {self['hardware_wall_time_s']:.6g} s "
                         f"(emulation {self['emulation_time_s']:.3g} s, configuration "
                         f"{self['configuration_time_s']:.3g} s, host I/O "
                         f"{self['host_io_time_s']:.3g} s)")
        if "wall_time_s" in self:
            lines.append(f"  wall time (run)       {self['wall_time_s']:.6g} s, CPU time "
                         f"{self['cpu_time_s']:.6g} s")
        lines.append(f"  energy                {self['energy_J']:.6g} J")
        for part, value in self.get("energy_parts_J", {}).items():
            lines.append(f"    {part:20s}{value:.4g} J")
        counts = self.get("counts")
        if counts:
            lines.append("  counts: " + ", ".join(
                f"{k}={v}" for k, v in counts.items()
                if k not in ("spikes_by_population", "bio_time_ms")))
        lines.append(f"  method: {self.get('method')}")
        if self.get("note"):
            lines.append(f"  note: {self['note']}")
        return "\n".join(lines)


# -- CPU power -----------------------------------------------------------------------------
def cpu_model_name() -> str:
    """/proc/cpuinfo's "model name" (or "unknown")."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def cpu_power_per_core(model: str | None = None) -> tuple[float, str]:
    """Assumed power (W) of one busy core for CPU ``model`` and where the figure comes from."""
    model = cpu_model_name() if model is None else model
    for key, watts, why in CPU_POWER_PER_CORE_W:
        if key.lower() in model.lower():
            return watts, f"per-core TDP assumption for {model!r}: {why}"
    return DEFAULT_POWER_PER_CORE_W, (f"per-core power assumption {DEFAULT_POWER_PER_CORE_W} W "
                                      f"(model {model!r} not in the table)")


def rapl_energy_files() -> list[str]:
    """Readable RAPL package energy counters (µJ), empty when there are none."""
    out = []
    for path in sorted(glob.glob("/sys/class/powercap/intel-rapl:*/energy_uj")):
        if path.count(":") == 1 and os.access(path, os.R_OK):  # packages, not sub-domains
            out.append(path)
    return out


def _read_rapl(files: list[str]) -> float | None:
    try:
        return sum(int(open(f).read().strip()) for f in files) * 1e-6
    except (OSError, ValueError):
        return None


@dataclass
class CpuAccount:
    """Measured wall time, CPU time and RAPL energy (when readable) of the runs of a segment."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    rapl_J: float = 0.0
    rapl_ok: bool = True
    runs: int = 0
    bio_ms: float = 0.0

    def measure(self, func, *args, clock=None, **kwargs):
        """Call ``func`` and add its wall time, process CPU time and RAPL energy (and the
        simulated time, when ``clock()`` returns the current biological time in ms)."""
        t_bio = clock() if clock is not None else None
        files = rapl_energy_files()
        e0 = _read_rapl(files) if files else None
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            self.wall_s += time.perf_counter() - w0
            self.cpu_s += time.process_time() - c0
            self.runs += 1
            if t_bio is not None:
                self.bio_ms += clock() - t_bio
            e1 = _read_rapl(files) if files else None
            if e0 is None or e1 is None or e1 < e0:  # no counter, or it wrapped
                self.rapl_ok = False
            else:
                self.rapl_J += e1 - e0

    def report(self, backend: str = "nest") -> EnergyReport:
        """The account as an :class:`EnergyReport`."""
        if self.runs and self.rapl_ok and rapl_energy_files():
            energy = self.rapl_J
            method = "RAPL package energy counters (/sys/class/powercap), measured"
            figure = None
        else:
            per_core, why = cpu_power_per_core()
            energy = per_core * self.cpu_s
            method = (f"estimate: CPU time of run() x {per_core} W per busy core ({why}); "
                      f"RAPL not readable under /sys/class/powercap")
            figure = per_core
        return EnergyReport(backend=backend, biological_time_s=self.bio_ms * 1e-3,
                            wall_time_s=self.wall_s, cpu_time_s=self.cpu_s,
                            runs=self.runs, energy_J=float(energy),
                            energy_parts_J={"cpu": float(energy)}, method=method,
                            cpu_model=cpu_model_name(), power_per_core_W=figure,
                            note="covers sim.run() calls of the current segment only "
                                 "(not building the network, not get_data)")
