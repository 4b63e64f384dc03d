"""Shared pytest fixtures.

``nest_sim`` gives ``pyNN.nest`` through neurohw's dispatch (quiet import), and skips only when
NEST is genuinely not installed: CI installs it, so there these tests always run.
"""

from __future__ import annotations

import os

import pytest

# Tests must not depend on the developer's own cache of calibrations or checkpoints.
os.environ.setdefault("NEUROHW_CACHE_DIR", os.path.join(os.path.dirname(__file__), ".cache"))


@pytest.fixture(scope="session")
def nest_sim():
    """``pyNN.nest`` (skips the test when NEST is not installed)."""
    import neurohw
    from neurohw.errors import BackendUnavailableError

    try:
        return neurohw.backend("nest")
    except BackendUnavailableError as err:  # pragma: no cover - CI always has NEST
        pytest.skip(f"NEST not available: {err}")


def pytest_terminal_summary(terminalreporter):
    """After PyNN's scenarios ran (tests/test_pynn_scenarios.py), print their count."""
    marker = "test_pynn_scenarios.py::test_pynn_scenario["
    outcomes = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if marker in getattr(report, "nodeid", "") and report.when in ("call", "setup"):
                excluded = outcome == "skipped" and "not applicable" in str(report.longrepr)
                outcomes.setdefault(report.nodeid, "excluded" if excluded else outcome)
    if any("<unavailable>" in nodeid for nodeid in outcomes):
        terminalreporter.write_line("PyNN scenarios not run: PyNN's source distribution could "
                                    "not be fetched (pytest -rs says why)")
    elif outcomes:
        counts = {k: list(outcomes.values()).count(k)
                  for k in ("passed", "failed", "error", "skipped", "excluded")}
        total = len(outcomes)
        terminalreporter.write_line(
            f"PyNN scenarios on the ideal emulator: {counts['passed']} passed / "
            f"{total - counts['excluded']} applicable / {total} total ({counts['failed']} failed, "
            f"{counts['error']} errors, {counts['skipped']} skipped, {counts['excluded']} not "
            f"applicable to an analog chip)")
