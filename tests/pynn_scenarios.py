"""PyNN's own system scenarios (``test/system/scenarios`` of PyNN's source distribution), run
against the emulator in ideal mode.

The scenarios are not copied into this repository: :func:`scenarios_dir` fetches the source
distribution of the installed PyNN version with ``pip download`` into the tests' cache
(``$NEUROHW_CACHE_DIR/pynn-sdist``) and unpacks it there once (``neurohw.pynn_sdist``, shared
with ``examples/pynn_examples_table.py``), and :func:`load_scenarios` imports
the scenario modules from it under a private package name. Each scenario is a function decorated
with ``run_with_simulators(...)`` that takes the backend module ``sim``; :class:`IdealEmulator`
is that module with ``setup(ideal=True)`` forced.

:data:`EXCLUDED` lists, with the reason, the scenarios that test something an analog
neuromorphic chip (and so this emulator) does not have. Everything else is *applicable*: a
researcher would expect it to work on a PyNN backend for such a chip.

``python tests/pynn_scenarios.py`` runs every applicable scenario outside pytest and prints one
line per scenario and the count ``passed/applicable/total``; ``python -m pytest
tests/test_pynn_scenarios.py -q`` runs them as tests (excluded ones are reported as skipped).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import types
from pathlib import Path
from typing import Callable

from neurohw.pynn_sdist import SdistUnavailable, pynn_version, sdist_root

#: Private package name the scenario modules are imported under (PyNN calls it ``scenarios``).
PACKAGE = "_pynn_system_scenarios"

#: Scenarios (``module::function``) that are not applicable to an analog chip, and why.
EXCLUDED: dict[str, str] = {
    "test_cell_types::test_HH_cond_exp":
        "Hodgkin-Huxley cell type (HH_cond_exp): the chip's neuron circuits are AdEx/LIF; "
        "there are no Na/K channel dynamics to emulate",
    "test_cell_types::test_SpikeSourceGamma":
        "gamma-process spike source (a NEST/NEURON generator; pyNN.brian2 lacks it too): the "
        "chip's on-chip noise sources are Poisson generators and host input is explicit spike "
        "trains (SpikeSourceArray)",
    "test_cell_types::test_SpikeSourcePoissonRefractory":
        "Poisson source with dead time (NEST's poisson_generator_ps / NEURON only): not one of "
        "the chip's on-chip noise generators; host input is explicit spike trains",
    "test_cell_types::test_composed_neuron_model_homogeneous_receptors":
        "composed PointNeuron with arbitrary named receptors (AMPA/NMDA/GABAA, AlphaPSR): a chip "
        "neuron circuit has exactly one excitatory and one inhibitory synaptic input",
    "test_synapse_types::test_simple_stochastic_synapse":
        "stochastic (probabilistic-release) synapses: the chip's synapse array transmits every "
        "spike; there is no per-synapse release probability",
    "test_scenario5::test_scenario5":
        "multi-compartment neurons with morphologies and ion channels (arbor/NEURON only): the "
        "emulator has point neurons",
}


#: PyNN's source distribution (and with it the scenarios) could not be obtained.
ScenariosUnavailable = SdistUnavailable


def cache_dir() -> Path:
    """Where the source distribution is downloaded and unpacked (the tests' cache)."""
    root = os.environ.get("NEUROHW_CACHE_DIR") or os.path.join(os.path.dirname(__file__),
                                                               ".cache")
    return Path(root) / "pynn-sdist"


def scenarios_dir(version: str | None = None, timeout_s: float = 120.0) -> Path:
    """The unpacked ``test/system`` folder of PyNN ``version`` (default: the installed one).

    Downloads the source distribution the first time (:func:`neurohw.pynn_sdist.sdist_root`);
    raises :class:`ScenariosUnavailable` saying why when that is not possible (no network, no
    such version on the index, a broken archive).
    """
    root = sdist_root(cache_dir(), version, required="test/system/scenarios/fixtures.py",
                      timeout_s=timeout_s)
    return root / "test" / "system"


def _scenario_mark_simulators(func: Callable) -> tuple[str, ...] | None:
    """Simulator names of a ``run_with_simulators`` decoration, or None if not decorated."""
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and mark.args and mark.args[0] == "sim":
            return tuple(str(p.id) for p in mark.args[1])
    return None


def load_scenarios(system: Path) -> dict[str, Callable]:
    """Every scenario ``module::function`` -> function (``test_*`` functions decorated with
    ``run_with_simulators``, as PyNN's own pytest run collects them), sorted by id."""
    folder = system / "scenarios"
    package = sys.modules.get(PACKAGE)
    if package is None or Path(package.__path__[0]) != folder:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        spec = importlib.util.spec_from_file_location(
            PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)])
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    found = {}
    for path in sorted(folder.glob("test_*.py")):
        module = importlib.import_module(f"{PACKAGE}.{path.stem}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test") and func.__module__ == module.__name__ \
                    and _scenario_mark_simulators(func) is not None:
                found[f"{path.stem}::{name}"] = func
    return dict(sorted(found.items()))


class IdealEmulator(types.ModuleType):
    """The emulator backend module as a scenario's ``sim``, with ``setup(ideal=True)`` forced.

    Everything else is the emulator module's own attribute (a missing cell type is an
    AttributeError in the scenario, as with any backend that lacks it).
    """

    def __init__(self) -> None:
        import neurohw

        super().__init__("neurohw.backends.emulator")
        object.__setattr__(self, "_backend", neurohw.backend("emulator"))

    def __getattr__(self, name: str):
        return getattr(object.__getattribute__(self, "_backend"), name)

    def setup(self, *args, **kwargs):
        kwargs["ideal"] = True
        return self._backend.setup(*args, **kwargs)

    def __repr__(self) -> str:
        return "<neurohw emulator backend, ideal=True>"

    __str__ = __repr__


def run_scenario(func: Callable, sim: types.ModuleType | None = None) -> None:
    """Call one scenario with the ideal emulator (the caller chooses the working directory:
    some scenarios write files there)."""
    func(sim if sim is not None else IdealEmulator())


def main() -> int:
    """Run every applicable scenario in a temporary directory; print results and the count."""
    import logging
    import tempfile
    import time
    import traceback

    import pytest

    os.environ.setdefault("NEUROHW_CACHE_DIR", os.path.join(os.path.dirname(__file__), ".cache"))
    try:
        scenarios = load_scenarios(scenarios_dir())
    except ScenariosUnavailable as err:
        print(f"PyNN scenarios unavailable: {err}")
        return 2
    sim = IdealEmulator()
    passed, failed, skipped = [], [], []
    started = time.perf_counter()
    cwd = os.getcwd()
    root = logging.getLogger()
    for sid, func in scenarios.items():
        if sid in EXCLUDED:
            continue
        t0 = time.perf_counter()
        handlers, level = list(root.handlers), root.level
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                run_scenario(func, sim)
                passed.append(sid)
                status = "passed"
            except pytest.skip.Exception as err:
                skipped.append(sid)
                status = f"skipped ({err})"
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as err:  # noqa: BLE001 - pytest's Failed is a BaseException
                failed.append(sid)
                last = traceback.extract_tb(err.__traceback__)[-1]
                message = str(err).splitlines()[0][:100] if str(err) else ""
                status = (f"FAILED {type(err).__name__}: {message} "
                          f"[{Path(last.filename).name}:{last.lineno}]")
            finally:
                os.chdir(cwd)
                root.handlers[:], root.level = handlers, level
        print(f"{sid:70s} {time.perf_counter() - t0:6.1f} s  {status}", flush=True)
    applicable = len(scenarios) - len([s for s in scenarios if s in EXCLUDED])
    print(f"\nPyNN {pynn_version()} scenarios on the ideal emulator: {len(passed)} passed / "
          f"{applicable} applicable / {len(scenarios)} total ({len(failed)} failed, "
          f"{len(skipped)} skipped, {len(scenarios) - applicable} excluded as not applicable); "
          f"{time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
