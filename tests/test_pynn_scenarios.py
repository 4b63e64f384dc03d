"""PyNN's own system scenarios (PyNN's ``test/system/scenarios``) on the emulator in ideal mode.

One test per scenario, id ``module::function``. The scenarios come from PyNN's source
distribution for the installed PyNN version, fetched with pip into the tests' cache at the first
run (see ``tests/pynn_scenarios.py``); without network the tests skip, saying why. Scenarios in
``pynn_scenarios.EXCLUDED`` (not applicable to an analog chip) are reported as skipped with
their reason, so ``python -m pytest tests/test_pynn_scenarios.py -q`` prints the count:
passed + failed = applicable. ``python tests/pynn_scenarios.py`` prints one line per scenario.
"""

from __future__ import annotations

import logging

import pynn_scenarios as ps
import pytest


def _load():
    try:
        return ps.load_scenarios(ps.scenarios_dir()), None
    except ps.ScenariosUnavailable as err:
        return {}, str(err)


SCENARIOS, UNAVAILABLE = _load()


@pytest.fixture(scope="module")
def ideal_sim():
    return ps.IdealEmulator()


@pytest.fixture
def restore_logging():
    """Some scenarios call ``init_logging(debug=True)``; later tests must not inherit it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS) or ["<unavailable>"])
def test_pynn_scenario(scenario_id, ideal_sim, tmp_path, monkeypatch, restore_logging):
    if UNAVAILABLE:
        pytest.skip(f"PyNN's scenarios are unavailable: {UNAVAILABLE}")
    if scenario_id in ps.EXCLUDED:
        pytest.skip(f"not applicable to an analog chip: {ps.EXCLUDED[scenario_id]}")
    monkeypatch.chdir(tmp_path)  # some scenarios write data files into the working directory
    ps.run_scenario(SCENARIOS[scenario_id], ideal_sim)


def test_excluded_scenarios_exist():
    """The exclusion list names real scenarios (a renamed one must not silently count)."""
    if UNAVAILABLE:
        pytest.skip(f"PyNN's scenarios are unavailable: {UNAVAILABLE}")
    assert set(ps.EXCLUDED) <= set(SCENARIOS), sorted(set(ps.EXCLUDED) - set(SCENARIOS))
    assert len(SCENARIOS) - len(ps.EXCLUDED) >= 50  # the applicable ones were found


def test_ideal_sim_forces_ideal_mode(ideal_sim):
    """The scenarios' ``sim`` is the emulator with every chip distortion off."""
    ideal_sim.setup(timestep=0.1, ideal=False)
    try:
        assert ideal_sim.state.options.ideal is True
        assert ideal_sim.state.engine.chip is None
        assert "nest" not in str(ideal_sim)  # scenarios branch on "nest" in str(sim)
    finally:
        ideal_sim.end()
