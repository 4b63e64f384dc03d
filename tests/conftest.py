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
