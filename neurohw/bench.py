"""``neurohw bench``: run the benchmarks in ``benchmarks/`` and report them.

A benchmark is a file ``benchmarks/bench_<name>.py`` with a function
``run(quick: bool = False) -> dict``. Each compares neurohw against NEST in the same run and
returns its measurements (wall times in s, ratios, quality figures). ``neurohw bench --json``
prints ``{name: result}`` as one JSON object.

The benchmarks live in the source tree (they are not installed); ``--dir`` points at them, and by
default they are looked for in ``./benchmarks`` and next to the installed ``neurohw`` package
(an editable install or a clone).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=None, help="folder with bench_*.py (default: "
                        "./benchmarks or the one beside the neurohw sources)")
    parser.add_argument("--only", action="append", default=None,
                        help="run only this benchmark (repeatable), e.g. --only engine")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--out", default=None, help="write results.json here")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def find_benchmark_dir(explicit: str | None = None) -> Path:
    """The benchmarks folder: ``explicit``, ``./benchmarks``, or beside the package sources."""
    candidates = [Path(explicit)] if explicit else [
        Path.cwd() / "benchmarks", Path(__file__).resolve().parents[1] / "benchmarks"]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("bench_*.py")):
            return candidate
    raise FileNotFoundError(
        "no benchmarks found (looked in: " + ", ".join(map(str, candidates)) + "); run "
        "`neurohw bench` from a clone of the neurohw repository or pass --dir")


def discover(folder: Path) -> dict[str, Path]:
    """Benchmark name -> file, for every ``bench_<name>.py`` in ``folder``."""
    return {p.stem[len("bench_"):]: p for p in sorted(folder.glob("bench_*.py"))}


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"neurohw_benchmark_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    # registered before executing, as an import would: dataclasses (and pickling) look the
    # defining module up in sys.modules
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(args: argparse.Namespace) -> int:
    out = output_dir(args.out)
    results = {}
    with stdout_to_stderr(args.json):
        try:
            folder = find_benchmark_dir(args.dir)
        except FileNotFoundError as err:
            say(f"neurohw bench: {err}")
            return 2
        found = discover(folder)
        wanted = args.only or list(found)
        unknown = [name for name in wanted if name not in found]
        if unknown:
            say(f"neurohw bench: unknown benchmark(s) {unknown}; available: {list(found)}")
            return 2
        for name in wanted:
            say(f"neurohw bench: {name} ...")
            started = time.perf_counter()
            results[name] = _load(found[name]).run(quick=args.quick)
            results[name]["bench_wall_s"] = round(time.perf_counter() - started, 2)
            say(f"neurohw bench: {name} done in {results[name]['bench_wall_s']} s")
        if out is not None:
            write_json_atomic(out / "results.json", results)
    if args.json:
        emit_json(results)
    else:
        from neurohw.cliutil import to_json

        print(to_json(results, indent=2))
    return 0
