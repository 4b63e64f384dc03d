"""The ``neurohw`` command line.

Commands: ``info``, ``demo``, ``run SCRIPT --backend B``, ``calibrate``, ``train <network>``,
``bench``. Each command that produces figures or numbers takes ``--json`` (one JSON object on
stdout, nothing else) and ``--out DIR`` (plots and reports). The defaults reproduce the numbers in
the README.

``calibrate`` and ``train <network>`` are implemented next to what they drive (in
``neurohw.hw_calibration`` and ``neurohw.networks``); this module only dispatches to their
``main(argv) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from neurohw.cliutil import emit_json, say, stdout_to_stderr

#: ``neurohw train NAME`` -> module with ``main(argv: list[str]) -> int``.
TRAINABLE_NETWORKS: dict[str, str] = {
    "sampling": "neurohw.networks.sampling.cli",
    "ensemble": "neurohw.networks.ensemble.cli",
    "wta": "neurohw.networks.wta.cli",
    "bayesnet": "neurohw.networks.wta.bayesnet_cli",
    "synaptic-sampling": "neurohw.networks.synaptic_sampling.cli",
    "dendritic-balance": "neurohw.networks.dendritic_balance.cli",
    "predictive-stdp": "neurohw.networks.predictive_stdp.cli",
}

CALIBRATE_MODULE = "neurohw.hw_calibration.cli"


def _delegate(module_name: str, argv: list[str], what: str) -> int:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and module_name.startswith(err.name):
            say(f"neurohw: {what} is not part of this installation ({module_name} is missing)")
            return 2
        raise
    return int(module.main(argv) or 0)


def _cmd_info(args: argparse.Namespace) -> int:
    from neurohw.info import collect_info, format_info

    with stdout_to_stderr(args.json):
        info = collect_info()
    if args.json:
        emit_json(info)
    else:
        print(format_info(info))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from neurohw.runscript import run_script

    defaults = {"ideal": True if args.ideal else None, "n_chips": args.n_chips,
                "preset": args.preset, "chip_seed": args.chip_seed}
    return run_script(args.script, args.backend, args.script_args, setup_defaults=defaults)


def _cmd_demo(args: argparse.Namespace) -> int:
    from neurohw.demo import main as demo_main

    return demo_main(args)


def _cmd_bench(args: argparse.Namespace) -> int:
    from neurohw.bench import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurohw",
        description="Spiking networks on NEST and on an emulated accelerated analog chip.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("info", help="versions, available backends, machine")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("run", help="run a PyNN script on a chosen backend",
                       description="Run a PyNN script with `sim` bound to the chosen backend. "
                       "Options neurohw does not know are passed on to the script.")
    p.add_argument("script", help="path to a PyNN script (it receives the backend as `sim`)")
    p.add_argument("--backend", default="nest", help="nest or emulator (default: nest)")
    emu = p.add_argument_group("emulator chip (defaults of the script's setup(); the script's "
                               "own setup() keywords win)")
    emu.add_argument("--ideal", action="store_true",
                     help="switch every chip distortion and limit off (agrees with NEST)")
    emu.add_argument("--n-chips", type=int, default=None, metavar="N",
                     help="place the network over N chips (more neurons, readout channels)")
    emu.add_argument("--preset", default=None, choices=("bss1", "bss2"), help="chip preset")
    emu.add_argument("--chip-seed", type=int, default=None, metavar="S", help="which chip")
    p.set_defaults(func=_cmd_run)

    from neurohw.demo import add_arguments as add_demo_arguments

    p = sub.add_parser("demo", help="the main job: run and report the flagship experiment")
    add_demo_arguments(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("bench", help="speed and quality benchmarks against NEST")
    from neurohw.bench import add_arguments as add_bench_arguments

    add_bench_arguments(p)
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("calibrate", help="calibrate an emulated chip by measurement",
                       add_help=False)
    p.set_defaults(func=None, delegate=(CALIBRATE_MODULE, "calibration"))

    p = sub.add_parser("train", help="train a network in the loop: "
                       + ", ".join(TRAINABLE_NETWORKS), add_help=False)
    p.set_defaults(func=None, delegate="train")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``neurohw`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and argv[0] == "calibrate":
        return _delegate(CALIBRATE_MODULE, argv[1:], "calibration")
    if argv and argv[0] == "train":
        if len(argv) < 2 or argv[1] in ("-h", "--help"):
            print("usage: neurohw train NETWORK [options]\n\nnetworks: "
                  + ", ".join(TRAINABLE_NETWORKS)
                  + "\n\n`neurohw train NETWORK --help` lists a network's options.")
            return 0 if len(argv) >= 2 else 2
        name = argv[1]
        if name not in TRAINABLE_NETWORKS:
            say(f"neurohw train: unknown network {name!r}; choose one of: "
                + ", ".join(TRAINABLE_NETWORKS))
            return 2
        return _delegate(TRAINABLE_NETWORKS[name], argv[2:], f"network {name!r}")
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "command", None) == "run":
        args.script_args = extra  # options the script itself understands
    elif extra:
        parser.error("unrecognized arguments: " + " ".join(extra))
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
