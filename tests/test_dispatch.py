"""Backend dispatch: names, errors, quiet NEST import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import neurohw
import neurohw.backends as backends
from neurohw.errors import BackendUnavailableError, UnknownBackendError


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(UnknownBackendError) as info:
        neurohw.backend("brian2")
    message = str(info.value)
    assert "'brian2'" in message and "emulator" in message and "nest" in message


def test_non_string_name_is_refused():
    with pytest.raises(UnknownBackendError, match="must be a string"):
        neurohw.backend(3)


def test_missing_nest_says_how_to_install(monkeypatch):
    monkeypatch.setitem(backends.KNOWN_BACKENDS, "nest",
                        ("neurohw.backends._no_such_module", backends.KNOWN_BACKENDS["nest"][1]))
    with pytest.raises(BackendUnavailableError, match="pip install nest-simulator"):
        neurohw.backend("nest")


def test_nest_backend_is_pynn_nest(nest_sim):
    import pyNN.nest

    assert neurohw.backend("NEST") is pyNN.nest
    assert "nest" in neurohw.available_backends()


def test_nest_import_is_quiet():
    code = ("import neurohw; sim = neurohw.backend('nest'); sim.setup(); "
            "p = sim.Population(2, sim.IF_cond_exp()); p.record('v'); sim.run(5.0); "
            "p.get_data(); sim.end()")
    env = {k: v for k, v in __import__("os").environ.items()
           if k != "NEUROHW_SHOW_BACKEND_WARNINGS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "cmake" not in done.stderr.lower()
    assert "deprecated" not in done.stderr.lower()
    assert "NEST" not in done.stdout  # no banner


def test_developers_can_ask_for_backend_warnings():
    code = "import neurohw; neurohw.backend('nest')"
    env = dict(__import__("os").environ, NEUROHW_SHOW_BACKEND_WARNINGS="1")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "-- N E S T --" in done.stdout or "cmake" in done.stderr.lower()


def test_nest_setup_keeps_spike_buffers_so_continued_runs_stay_fast(nest_sim):
    """NEST logs every spike-buffer resize in the kernel status; with shrinking on (NEST's
    default) continued runs of a spiking network add thousands of entries and every later
    ``GetKernelStatus`` / ``Simulate`` gets slower (see ``neurohw.backends.nest``)."""
    import nest

    nest_sim.setup(timestep=0.1)
    assert nest.GetKernelStatus("spike_buffer_shrink_limit") == 0.0
    cells = nest_sim.Population(50, nest_sim.IF_cond_exp())
    noise = nest_sim.Population(50, nest_sim.SpikeSourcePoisson(rate=300.0))
    nest_sim.Projection(noise, cells, nest_sim.OneToOneConnector(),
                        nest_sim.StaticSynapse(weight=0.02))
    cells.record("spikes")
    for _ in range(10):
        nest_sim.run(200.0)
    assert sum(len(t) for t in cells.get_data("spikes").segments[0].spiketrains) > 1000
    # with NEST's default shrink limit this log has ~7000 entries after these runs
    assert len(nest.GetKernelStatus("spike_buffer_resize_log")["times"]) < 20
    nest_sim.end()
