"""``neurohw calibrate``: calibrate an emulated chip by measurement and write the file.

    neurohw calibrate --chip-seed N [--preset bss1] [--out FILE] [--report-dir DIR]
                      [--circuits N] [--json]

Progress goes to stderr; ``--json`` prints one JSON object (per-parameter spread before and
after, targets met, wall time, the machine's load average, file) on stdout. Without ``--out``
the file goes to the per-user cache used by ``setup(calibration="auto")``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neurohw calibrate",
                                description="Calibrate an emulated chip by measurement.")
    p.add_argument("--chip-seed", type=int, required=True, help="which chip (its chip_seed)")
    p.add_argument("--preset", default="bss1", choices=["bss1", "bss2"])
    p.add_argument("--out", default=None,
                   help="calibration file to write (default: the per-user cache entry)")
    p.add_argument("--report-dir", default=None,
                   help="folder for the before/after histogram plot and the text report")
    p.add_argument("--circuits", type=int, default=None,
                   help="calibrate only circuits 0..N-1 (default: the whole chip)")
    p.add_argument("--verify-every", type=int, default=None,
                   help="verify membrane quantities on every N-th circuit (default 8)")
    p.add_argument("--targets-json", default=None,
                   help="targets as a JSON object, e.g. '{\"tau_m\": 10}' (bio units)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from . import fileformat, report
    from .calibrate import calibrate_chip
    from .setup_loader import cache_path

    targets = json.loads(args.targets_json) if args.targets_json else None
    with stdout_to_stderr(args.json):
        t0 = time.perf_counter()
        settings = {} if args.verify_every is None else {"verify_every": args.verify_every}
        cal = calibrate_chip(args.chip_seed, args.preset, targets=targets,
                             n_circuits=args.circuits, settings=settings,
                             progress=lambda msg: say(f"[calibrate] {msg}"))
        out = args.out or cache_path(args.chip_seed, args.preset, targets)
        path = fileformat.save(cal, out)
        say(report.text(cal))
        say(f"[calibrate] wrote {path}")
        rdir = output_dir(args.report_dir)
        if rdir is not None:
            report.plot_histograms(cal, rdir / "calibration_histograms.png")
            (rdir / "calibration_report.txt").write_text(report.text(cal) + "\n")
        wall = time.perf_counter() - t0
    if args.json:
        s = report.summary(cal)
        s["file"] = str(path)
        s["wall_time_total_s"] = wall
        # wall times on a shared machine mean little without its load (1/5/15 min averages)
        s["load_average"] = list(os.getloadavg())
        emit_json(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
