"""PyNN's own examples, unchanged, under ``neurohw run`` on the emulator and on NEST.

The scripts of the ``examples/`` folder of PyNN's source distribution (the installed PyNN
version; fetched with pip into a cache once, see :mod:`neurohw.pynn_sdist` — nothing of PyNN is
copied into this repository) run, each in its own subprocess with a timeout, as a user would run
them::

    neurohw run EXAMPLE.py --backend emulator            # the realistic chip (bss1 preset)
    neurohw run EXAMPLE.py --backend emulator --ideal    # every chip distortion and limit off
    neurohw run EXAMPLE.py --backend nest

with the example's own options (``--plot-figure`` when it has one, ``CUBA`` for VAbenchmarks),
in a temporary working directory (examples write ``Results/``), without a display
(``MPLBACKEND=Agg``). The table says per example and backend: runs, refused (a model or a
resource the chip does not have; with the first line of the error the user sees), FAILS, or
timeout, and the wall time.

    python examples/pynn_examples_table.py                 # all examples, three columns
    python examples/pynn_examples_table.py --only small_network,tsodyksmarkram --modes chip
    python examples/pynn_examples_table.py --json --out results/pynn_examples

``--out DIR`` writes ``table.md``, ``table.json`` and the figures the examples saved
(``DIR/figures/<mode>/<example>/``). Exit status 1 when an example that uses only supported
features does not run on the ideal emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from neurohw.pynn_sdist import SdistUnavailable, default_cache_dir, pynn_version, sdist_root

#: Backend runs: name -> options of ``neurohw run``.
MODES: dict[str, list[str]] = {
    "chip": ["--backend", "emulator"],
    "ideal": ["--backend", "emulator", "--ideal"],
    "nest": ["--backend", "nest"],
}

#: Options an example needs besides ``--plot-figure`` (which is passed whenever it has one).
EXTRA_ARGS: dict[str, list[str]] = {
    "VAbenchmarks": ["CUBA", "--plot-figure"],
    "connections": ["--plot-figure", "Results/connections"],  # a file name prefix
    "nineml_neuron": ["--plot-figure", "Results/nineml_neuron.png"],
}

#: Examples that need something an analog chip (and so the emulator) does not have, and why.
NOT_SUPPORTED: dict[str, str] = {
    "HH_cond_exp2": "Hodgkin-Huxley cell type (HH_cond_exp)",
    "Izhikevich": "Izhikevich cell type",
    "cell_type_demonstration": "HH_cond_exp, Izhikevich, GIF_cond_exp cell types",
    "gif_neuron": "GIF_cond_exp cell type (spike-triggered currents, moving threshold)",
    "synaptic_input": "Izhikevich cell type",
    "monolith_vs_composed": "composed PointNeuron models with named receptors",
    "multi_synapse": "composed PointNeuron with several receptor types",
    "multiquantal_synapses": "MultiQuantalSynapse (stochastic multi-quantal release)",
    "stochastic_synapses": "SimpleStochasticSynapse (probabilistic release)",
    "stochastic_tsodyksmarkram": "StochasticTsodyksMarkramSynapse",
    "stochastic_deterministic_comparison": "StochasticTsodyksMarkramSynapse",
    "distrib_example": "MPI (mpi4py) distributed simulation",
    "nineml_brunel": "NineML model import on pyNN.neuron (NEURON)",
    "nineml_neuron": "NineML-defined cell types (nineml package, a code-generating backend)",
    "nrn_artificial_cell": "NEURON-only artificial cells (imports pyNN.neuron)",
    "simpleRandomNetwork_csa": "CSA connection-set algebra (csa package)",
}

#: Errors by which the emulator refuses a network that does not fit the realistic chip.
CHIP_LIMIT_ERRORS = ("MappingError", "ReadoutLimitError", "ParameterRangeError",
                     "UnsupportedParameterError")

_ERROR_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)):?(.*)$")


def examples_dir(cache: Path | None = None) -> Path:
    """PyNN's ``examples/`` folder for the installed version (downloaded once into ``cache``)."""
    root = sdist_root(cache or default_cache_dir(), required="examples/simple_STDP.py")
    return (root / "examples").resolve()


def example_args(script: Path) -> list[str]:
    """The command-line options the example gets (its own; neurohw adds the backend)."""
    if script.stem in EXTRA_ARGS:
        return list(EXTRA_ARGS[script.stem])
    return ["--plot-figure"] if "--plot-figure" in script.read_text() else []


def user_error(stderr: str) -> str:
    """The first line of the error the user sees: the exception line of the last traceback
    (class name without its module path), else the last line written to stderr."""
    lines = [ln.rstrip() for ln in stderr.splitlines() if ln.strip()]
    if "Traceback (most recent call last):" in stderr:
        tail = lines[max(i for i, ln in enumerate(lines)
                         if ln.startswith("Traceback (most recent call last):")) + 1:]
        for ln in tail:
            match = _ERROR_LINE.match(ln)
            if match and not ln.startswith(" "):
                return f"{match.group(1).rsplit('.', 1)[-1]}:{match.group(2)}"
    return lines[-1] if lines else ""


def run_example(script: Path, mode: str, timeout_s: float, figures: Path | None) -> dict:
    """Run one example under ``neurohw run`` in a fresh working directory; the outcome."""
    cmd = [sys.executable, "-m", "neurohw.cli", "run", str(script), *MODES[mode],
           *example_args(script)]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    with tempfile.TemporaryDirectory(prefix=f"pynn-ex-{script.stem}-") as tmp:
        (Path(tmp) / "Results").mkdir()  # some examples save there without creating it
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=timeout_s)
            code, stderr = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired as err:
            code = None
            stderr = err.stderr.decode(errors="replace") if isinstance(err.stderr, bytes) \
                else (err.stderr or "")
        wall = time.perf_counter() - t0
        saved = sorted(p for p in Path(tmp).rglob("*") if p.is_file()
                       and p.suffix.lower() in (".png", ".svg", ".pdf"))
        if figures is not None and saved:
            dest = figures / mode / script.stem
            dest.mkdir(parents=True, exist_ok=True)
            for fig in saved:
                shutil.copy2(fig, dest / fig.name)
    error = "" if code == 0 else user_error(stderr)
    if code is None:
        status, error = "timeout", f"no result after {timeout_s:.0f} s"
    elif code == 0:
        status = "runs"
    elif mode != "nest" and (script.stem in NOT_SUPPORTED
                             or (mode == "chip" and error.startswith(CHIP_LIMIT_ERRORS))):
        status = "refused"  # a model or resource the chip does not have
    else:
        status = "FAILS"
    return {"status": status, "exit_code": code, "wall_s": round(wall, 2), "error": error,
            "figures": [p.name for p in saved], "command": " ".join(
                ["neurohw", *cmd[3:]]).replace(str(script), script.name)}


def build_table(examples: Path, names: list[str] | None, modes: list[str], timeout_s: float,
                figures: Path | None, progress: bool) -> dict:
    """Run every example (or ``names``) in every mode; the table as a dict."""
    scripts = sorted(examples.glob("*.py"), key=lambda p: p.stem.lower())
    if names:
        unknown = sorted(set(names) - {p.stem for p in scripts})
        if unknown:
            raise SystemExit(f"no such PyNN example(s): {', '.join(unknown)}")
        scripts = [p for p in scripts if p.stem in names]
    rows = []
    for script in scripts:
        row = {"example": script.stem, "needs": NOT_SUPPORTED.get(script.stem, "")}
        for mode in modes:
            row[mode] = run_example(script, mode, timeout_s, figures)
            if progress:
                print(f"  {script.stem:36s} {mode:5s} {row[mode]['status']:7s} "
                      f"{row[mode]['wall_s']:6.1f} s  {row[mode]['error'][:90]}",
                      file=sys.stderr, flush=True)
        rows.append(row)
    counts = {mode: {s: sum(r[mode]["status"] == s for r in rows)
                     for s in ("runs", "refused", "FAILS", "timeout")} for mode in modes}
    return {"pynn_version": pynn_version(), "examples_dir": str(examples), "modes":
            {m: " ".join(MODES[m]) for m in modes}, "timeout_s": timeout_s, "rows": rows,
            "counts": counts}


def format_table(table: dict, width: int = 110) -> str:
    """Markdown table: example, one column per mode (status, wall time), refusal reasons."""
    modes = list(table["modes"])
    head = ["example", *[f"{m} ({table['modes'][m]})" for m in modes], "first error line"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table["rows"]:
        cells = [row["example"]]
        errors = []
        for mode in modes:
            res = row[mode]
            cells.append(f"{res['status']} {res['wall_s']:.1f} s")
            if res["error"] and res["error"] not in [e for _, e in errors]:
                errors.append((mode, res["error"]))
        text = "; ".join(f"{m}: {e[:width]}" for m, e in errors)
        cells.append(text.replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for mode in modes:
        c = table["counts"][mode]
        lines.append(f"{mode}: {c['runs']} run, {c['refused']} refused, {c['FAILS']} fail, "
                     f"{c['timeout']} timed out (of {len(table['rows'])})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="chip,ideal,nest",
                        help="comma-separated subset of " + ", ".join(MODES))
    parser.add_argument("--only", default="", help="comma-separated example names (no .py)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--cache", type=Path, default=None,
                        help=f"where PyNN's source distribution is kept (default "
                             f"{default_cache_dir()})")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--out", type=Path, default=None,
                        help="write table.md, table.json and the examples' figures here")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - set(MODES):
        parser.error(f"--modes takes a subset of {', '.join(MODES)}")
    try:
        examples = examples_dir(args.cache)
    except SdistUnavailable as err:
        print(f"PyNN's examples are unavailable: {err}", file=sys.stderr)
        return 2
    figures = args.out / "figures" if args.out else None
    table = build_table(examples, [n.strip() for n in args.only.split(",") if n.strip()],
                        modes, args.timeout, figures, progress=True)
    text = format_table(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "table.md").write_text(text + "\n")
        (args.out / "table.json").write_text(json.dumps(table, indent=1) + "\n")
    if args.json:
        print(json.dumps(table))
    else:
        print(text)
    supported_failing = [r["example"] for r in table["rows"] if "ideal" in r
                         and not r["needs"] and r["ideal"]["status"] != "runs"]
    if supported_failing:
        print("examples using supported features that do not run on the ideal emulator: "
              + ", ".join(supported_failing), file=sys.stderr)
    return 1 if supported_failing else 0


if __name__ == "__main__":
    sys.exit(main())
