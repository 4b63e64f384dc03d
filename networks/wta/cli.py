"""``neurohw train wta``: unsupervised learning of digits or a Bernoulli mixture by a WTA circuit.

Prints held-out accuracy (z-neurons labelled by the majority class of the training samples they
win) and the conditional entropy H(label | winner); with ``--out`` writes the weight images, the
training history and the parameters. ``--json`` prints one JSON object and nothing else on stdout.

The defaults reproduce the numbers in the README (``--backend nest``/``emulator``: 40 iterations
of 40 presentations, first-spike winner rule; ``reference``: 400 iterations of 10 presentations);
see :data:`BACKEND_DEFAULTS`.

``--plasticity on-chip`` (``--backend emulator`` only, preset bss2): the input weights learn on
the emulated BrainScaleS-2 chip, whose plasticity processor runs the same rule during the runs
(``OnlineEMSynapse``); the host reads them back and keeps the excitabilities, evaluation and
checkpoints. Its defaults are :data:`ON_CHIP_DEFAULTS`. ``--plasticity host`` (the default) is the
host-computed update.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr
from neurohw.networks.wta.run import BACKENDS, train_wta
from neurohw.networks.wta.circuit import CircuitParameters, OnChipPlasticityError
from neurohw.networks.wta.onchip_training import (ON_CHIP_PRESET, check_plasticity,
                                                  on_chip_setup_kwargs)
from neurohw.networks.wta.training import PLASTICITY_MODES, WtaConfig
from neurohw.networks.wta.winner_rule import WINNER_RULES

@dataclass(frozen=True)
class BackendDefaults:
    """The settings of ``neurohw train wta --backend B`` that the README's numbers come from.

    ``iterations`` x ``batch`` presentations; ``eta_max`` / ``eta_min`` bound the adaptive
    learning rates; ``winner_rule`` picks the z spikes that count (``"first"`` on the LIF
    circuits: the first z spike of a presentation is the decision of the race, later spikes were
    fired before the inhibition arrived); ``bias_rule`` (the PyNN backends use the homeostatic
    rule: equal use of all z-neurons); ``input_code``, ``input_budget`` (events per biological ms,
    None: 100 Hz per active input), ``weight_scale`` (nA per log unit) and ``calibrate`` (emulator:
    calibrate the used circuits first).
    """

    iterations: int
    batch: int
    eta_max: float
    eta_min: float
    winner_rule: str
    bias_rule: str
    input_code: str = "on_off"
    input_budget: float | None = None
    weight_scale: float = CircuitParameters().weight_scale
    calibrate: bool = False


#: Per backend. PyNN backends take larger batches: writing the weights into a simulator is the
#: costly step. The bss1 chip accepts about 4 host events per biological ms (enforced per 10 ms
#: window, see ``backends/emulator/chip/presets.py``), so the total input rate is fixed at
#: 3 events/ms (0.2 % dropped at chip_seed 0) and only the pixels that are on drive an input
#: (ON-only code: each active input then fires at ~120 Hz instead of ~47 Hz, i.e. a z-neuron sees
#: more evidence per membrane time constant) with 0.007 nA per log unit of weight; on the chip
#: the used circuits are calibrated first. NEST runs the very same settings, so the two compare
#: like for like.
_PYNN = BackendDefaults(40, 40, 0.07, 0.007, "first", "homeostatic", input_code="on_only",
                        input_budget=3.0, weight_scale=0.007)
BACKEND_DEFAULTS: dict[str, BackendDefaults] = {
    "reference": BackendDefaults(400, 10, 0.005, 0.0005, "all", "prior"),
    "nest": _PYNN,
    "emulator": replace(_PYNN, calibrate=True),
}


@dataclass(frozen=True)
class OnChipDefaults:
    """The settings of ``neurohw train wta --backend emulator --plasticity on-chip`` (preset
    bss2) where they differ from the emulator's: ``iterations`` x 40 presentations, the chip
    program's learning rate ``eta_chip`` per z spike (every z spike counts on the chip),
    annealed as ``1 / (1 + eta_decay * iteration)``, and the sensor time constant ``window``
    (ms)."""

    iterations: int
    eta_chip: float
    eta_decay: float
    window: float


#: Tuned on the calibrated bss2 chip 0, seeds 1-3, at the host's 1600 presentations: eta_chip
#: 0.005 / 0.01 / 0.02 too slow (41-75 %), 0.04 steadiest (seeds 1-5: 75-79 %), 0.08 erratic
#: (67-87 %); 0.02 over 3200 presentations 77-82 %; annealing (eta_decay 0.1-0.2) worse within
#: 40 iterations; window 5 / 10 / 20 ms no clear difference.
ON_CHIP_DEFAULTS = OnChipDefaults(iterations=40, eta_chip=WtaConfig().eta_chip, eta_decay=0.0,
                                  window=WtaConfig().window)


def backend_config(backend: str, n_z: int = 20, batch: int | None = None,
                   input_budget: float | None = None, input_code: str | None = None,
                   weight_scale: float | None = None, winner_rule: str | None = None,
                   delay: float | None = None, plasticity: str = "host",
                   eta_chip: float | None = None, eta_decay: float | None = None,
                   window: float | None = None) -> WtaConfig:
    """The :class:`WtaConfig` of ``neurohw train wta --backend backend [--plasticity
    plasticity]`` (None: the default)."""
    check_plasticity(plasticity, backend)
    d = BACKEND_DEFAULTS[backend]
    circuit = replace(CircuitParameters(),
                      weight_scale=d.weight_scale if weight_scale is None else weight_scale)
    if delay is not None:
        circuit = replace(circuit, delay=delay)
    config = replace(WtaConfig(), n_z=n_z, batch=d.batch if batch is None else batch,
                     eta_max=d.eta_max, eta_min=d.eta_min, bias_rule=d.bias_rule,
                     input_budget=d.input_budget if input_budget is None else input_budget,
                     input_code=input_code or d.input_code, circuit=circuit,
                     winner_rule=winner_rule or d.winner_rule)
    if plasticity == "on-chip":
        o = ON_CHIP_DEFAULTS
        config = replace(config, plasticity="on-chip",
                         eta_chip=o.eta_chip if eta_chip is None else eta_chip,
                         eta_decay=o.eta_decay if eta_decay is None else eta_decay,
                         window=o.window if window is None else window)
    else:
        if eta_chip is not None:
            raise OnChipPlasticityError("eta_chip is the learning rate of the chip's program: "
                                        "it needs plasticity 'on-chip'")
        if eta_decay is not None:
            config = replace(config, eta_decay=eta_decay)
        if window is not None:
            config = replace(config, window=window)
    return config


def _per_backend(field: str, none: str = "None") -> str:
    """``reference X, nest Y, emulator Z`` for the help texts."""
    values = {b: getattr(d, field) for b, d in BACKEND_DEFAULTS.items()}
    return ", ".join(f"{b} {none if v is None else v}" for b, v in values.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurohw train wta",
        description="Train a winner-take-all circuit with STDP (Nessler et al. 2013) in the loop.")
    parser.add_argument("--backend", choices=BACKENDS, default="nest",
                        help="reference (numpy stochastic WTA), nest or emulator (default nest)")
    parser.add_argument("--dataset", choices=("digits", "synthetic"), default="digits",
                        help="digits 0-4 of sklearn's 8x8 set, or a 4-component Bernoulli "
                             "mixture with known components (default digits)")
    parser.add_argument("--iterations", type=int, default=None,
                        help="in-the-loop iterations (default per backend: reference 400, "
                             "nest/emulator 40)")
    parser.add_argument("--batch", type=int, default=None,
                        help="presentations per iteration (default: reference 10, others 40)")
    parser.add_argument("--n-z", type=int, default=20, help="z-neurons (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="training seed (default 1)")
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the data split")
    parser.add_argument("--chip-seed", type=int, default=None,
                        help="emulator only: which emulated chip")
    parser.add_argument("--preset", choices=("bss1", "bss2"), default=None,
                        help="emulator only: chip preset (default bss1; bss2 with --plasticity "
                             "on-chip)")
    parser.add_argument("--input-budget", type=float, default=None,
                        help="total input events per biological ms (rate per active input = "
                             "1000 * budget / active inputs; default: "
                             f"{_per_backend('input_budget', 'fixed 100 Hz per active input')})")
    parser.add_argument("--input-code", choices=("on_off", "on_only"), default=None,
                        help="on_off (two inputs per pixel) or on_only (only pixels that are on); "
                             f"default: {_per_backend('input_code')}")
    parser.add_argument("--weight-scale", type=float, default=None,
                        help="nA per unit of log-domain weight (default: "
                             f"{_per_backend('weight_scale')})")
    parser.add_argument("--winner-rule", choices=WINNER_RULES, default=None,
                        help="which z spikes count as the decision, for learning and read-out: "
                             "all, first (first spike of a presentation) or latency (first "
                             f"neuron of every race); default: {_per_backend('winner_rule')}")
    parser.add_argument("--delay", type=float, default=None,
                        help="synaptic delay of the circuit in ms (default 0.1; the bss1 chip "
                             "realises 1 ms whatever is asked)")
    parser.add_argument("--plasticity", choices=PLASTICITY_MODES, default="host",
                        help="where the input weights learn: host (computed on the host from "
                             "the read-back spikes and written every iteration; default) or "
                             "on-chip (the plasticity processor of an emulated BrainScaleS-2 "
                             "chip runs the rule during the runs, OnlineEMSynapse; --backend "
                             f"emulator only, preset {ON_CHIP_PRESET} is then the default: "
                             "bss1 and NEST have no such processor)")
    parser.add_argument("--eta-chip", type=float, default=None,
                        help="on-chip only: learning rate of the chip's program per z spike "
                             f"(default {ON_CHIP_DEFAULTS.eta_chip})")
    parser.add_argument("--eta-decay", type=float, default=None,
                        help="anneal the input-weight learning rates as 1 / (1 + decay * "
                             f"iteration) (default {ON_CHIP_DEFAULTS.eta_decay:g}, host and "
                             "on-chip)")
    parser.add_argument("--window", type=float, default=None,
                        help="ms: the STDP window (host: rectangular; on-chip: time constant of "
                             f"the correlation sensor's trace); default {WtaConfig().window}")
    parser.add_argument("--no-calibration", action="store_true",
                        help="emulator only: skip the calibration of the used circuits")
    parser.add_argument("--checkpoint", default=None,
                        help="NPZ checkpoint to write and to resume from")
    parser.add_argument("--out", default=None, help="folder for weight images, history, params")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    d = BACKEND_DEFAULTS[args.backend]
    on_chip = args.plasticity == "on-chip"
    if on_chip:
        try:
            check_plasticity(args.plasticity, args.backend)
            if args.preset is not None:
                on_chip_setup_kwargs({"preset": args.preset})
        except OnChipPlasticityError as err:
            say(f"neurohw train wta: {err}")
            return 2
    elif args.eta_chip is not None:
        say("neurohw train wta: --eta-chip is the learning rate of the chip's program; it needs "
            "--plasticity on-chip")
        return 2
    if (args.eta_chip is not None and args.eta_chip <= 0) or (
            args.eta_decay is not None and args.eta_decay < 0) or (
            args.window is not None and args.window <= 0):
        say("neurohw train wta: --eta-chip and --window must be positive, --eta-decay >= 0")
        return 2
    default_iterations = ON_CHIP_DEFAULTS.iterations if on_chip else d.iterations
    iterations = args.iterations if args.iterations is not None else default_iterations
    batch = args.batch if args.batch is not None else d.batch
    if iterations < 1 or batch < 1 or args.n_z < 2:
        say("neurohw train wta: --iterations and --batch must be >= 1 and --n-z >= 2")
        return 2
    if (args.input_budget is not None and args.input_budget <= 0) or (
            args.weight_scale is not None and args.weight_scale <= 0) or (
            args.delay is not None and args.delay <= 0):
        say("neurohw train wta: --input-budget, --weight-scale and --delay must be positive")
        return 2
    config = backend_config(args.backend, n_z=args.n_z, batch=batch,
                            input_budget=args.input_budget, input_code=args.input_code,
                            weight_scale=args.weight_scale, winner_rule=args.winner_rule,
                            delay=args.delay, plasticity=args.plasticity,
                            eta_chip=args.eta_chip, eta_decay=args.eta_decay,
                            window=args.window)
    setup_kwargs = {}
    if args.chip_seed is not None and args.backend == "emulator":
        setup_kwargs["chip_seed"] = args.chip_seed
    if args.preset is not None and args.backend == "emulator":
        setup_kwargs["preset"] = args.preset
    if on_chip:
        setup_kwargs = on_chip_setup_kwargs(setup_kwargs)
    calibrate = d.calibrate and not args.no_calibration
    with stdout_to_stderr(args.json):
        out = output_dir(args.out)
        report = train_wta(args.backend, args.dataset, config=config, iterations=iterations,
                           seed=args.seed, data_seed=args.data_seed, out=out,
                           checkpoint=args.checkpoint, progress=not args.no_progress,
                           setup_kwargs=setup_kwargs, calibrate=calibrate)
    report.pop("parameters")
    history = report.pop("history")
    report["final"] = history[-1] if history else {}
    if args.json:
        emit_json(report)
    else:
        test = report["test"]
        mode = " on-chip plasticity," if on_chip else ""
        print(f"WTA on {report['dataset']} ({args.backend},{mode} K={args.n_z}, "
              f"{report['presentations']} presentations): held-out accuracy "
              f"{100 * test['accuracy']:.1f} % (chance {100 * test['chance']:.1f} %), "
              f"H(label | winner) = {test['conditional_entropy_bits']:.3f} bits, "
              f"{test['n_active']} active z-neurons")
        if "components" in report:
            corr = ", ".join(f"{c:.3f}" for c in report["components"]["correlation"])
            print(f"true components matched with correlations {corr}")
        host = report["host_input"]
        print(f"host input events: {host['train_events'] + host['eval_events']} sent, "
              f"{host['train_dropped'] + host['eval_dropped']} dropped "
              f"({100 * host['dropped_fraction']:.2f} %)")
        if on_chip:
            pl = report["plasticity"]
            print(f"input weights learned on the {pl['preset']} chip (OnlineEMSynapse, eta "
                  f"{pl['eta_chip']:g} per z spike): written by the host {pl['weight_writes']} "
                  f"time(s), {pl['eval_weight_changes']} changed during evaluation")
        if report.get("calibration"):
            cal = report["calibration"]
            print(f"calibrated {cal['n_circuits']} circuits of {cal['preset']} chip "
                  f"{cal['chip_seed']} in {cal['wall_s']:.1f} s ({cal['id']})")
        if out is not None:
            print(f"plots and data in {out}")
    return 0
