"""A handful of PyNN's own examples (``examples/`` of PyNN's source distribution), unchanged,
under ``neurohw run SCRIPT --backend emulator``, each in a subprocess with a timeout.

The examples come from the source distribution of the installed PyNN version, fetched with pip
into the tests' cache at the first run (shared with the scenario harness,
``tests/pynn_scenarios.py``); without network the tests skip, saying why. The full table over
every example and backend is ``python examples/pynn_examples_table.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pynn_scenarios as ps
import pytest

from neurohw.pynn_sdist import SdistUnavailable, sdist_root

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 30.0

#: Fast examples (a few seconds each) covering get_simulator / exec-import / sim-binding styles,
#: STDP, Tsodyks-Markram, current sources, Poisson sources and plotting: (name, mode).
FAST_EXAMPLES = [
    ("simple_STDP", "ideal"),          # STDPMechanism; a 1-to-1 OneToOneConnector (0-d column)
    ("tsodyksmarkram", "ideal"),       # TsodyksMarkramSynapse, membrane recording, figure
    ("current_injection", "ideal"),    # DC/AC/step/noisy current sources
    ("random_numbers", "ideal"),       # sim.NativeRNG
    ("specific_network", "chip"),      # `from pyNN.<sim> import *` on the realistic chip
    ("varying_poisson", "chip"),       # SpikeSourcePoisson rate changes between runs
]


def _table_module():
    spec = importlib.util.spec_from_file_location(
        "pynn_examples_table", ROOT / "examples" / "pynn_examples_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table():
    return _table_module()


@pytest.fixture(scope="module")
def examples():
    try:
        root = sdist_root(ps.cache_dir(), required="examples/simple_STDP.py")
    except SdistUnavailable as err:
        pytest.skip(f"PyNN's examples are unavailable: {err}")
    return root.resolve() / "examples"


@pytest.mark.parametrize("name,mode", FAST_EXAMPLES)
def test_pynn_example_runs_unchanged(name, mode, table, examples, tmp_path):
    result = table.run_example(examples / f"{name}.py", mode, TIMEOUT_S, tmp_path / "figures")
    assert result["status"] == "runs", (result["command"], result["error"])
    if "--plot-figure" in table.example_args(examples / f"{name}.py"):
        assert result["figures"], f"{name} ran but saved no figure"


def test_unsupported_model_is_refused_clearly(table, examples, tmp_path):
    """An example needing a model the chip lacks fails, and the error says why."""
    result = table.run_example(examples / "Izhikevich.py", "ideal", TIMEOUT_S, None)
    assert result["status"] == "refused"
    assert "Izhikevich is not available on the neurohw emulator" in result["error"]
    assert "AdEx/LIF" in result["error"]


def test_user_error_reports_the_exception_line(table):
    stderr = ("warning: something\nTraceback (most recent call last):\n  File \"x.py\", line 1\n"
              "    boom()\nneurohw.backends.emulator.chip.errors.MappingError: too big\n")
    assert table.user_error(stderr) == "MappingError: too big"
    assert table.user_error("neurohw run: no such script: x.py\n") == \
        "neurohw run: no such script: x.py"
