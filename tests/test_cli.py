"""The `neurohw` command line: info, run, demo, train dispatch, JSON-only stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neurohw.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _neurohw(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neurohw.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def test_info_lists_nest():
    done = _neurohw("info", "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert "nest" in info["backends"]["available"]
    assert info["versions"]["nest-simulator"]


def test_run_example_on_nest_prints_rates():
    done = _neurohw("run", "examples/balanced_network.py", "--backend", "nest")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "mean rate" in line]
    assert [line.split()[0] for line in lines] == ["excitatory", "inhibitory"]


def test_run_refuses_unknown_backend_and_missing_script(capsys):
    assert main(["run", "examples/balanced_network.py", "--backend", "loihi"]) == 2
    assert "unknown backend 'loihi'" in capsys.readouterr().err
    assert main(["run", "no/such/script.py"]) == 2
    assert "no such script" in capsys.readouterr().err


def test_train_unknown_network_lists_the_known_ones(capsys):
    assert main(["train", "hopfield"]) == 2
    assert "sampling" in capsys.readouterr().err


def test_demo_quick_json_is_the_only_stdout(tmp_path):
    done = _neurohw("demo", "--quick", "--json", "--out", str(tmp_path), timeout=900)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # fails if anything else reached stdout
    assert set(summary["sampling"]) == {"nest", "emulator, uncalibrated", "emulator, calibrated"}
    for run in summary["sampling"].values():
        assert run["dkl_final"] < run["dkl_initial"]
    assert summary["ensemble"]["random_sources"] == 0
    spreads = summary["calibration"]["spreads"]
    assert spreads["v_thresh"]["spread_after"] < spreads["v_thresh"]["spread_before"]
    report = (tmp_path / "report.md").read_text()
    assert "LIF sampling" in report and "ensemble" in report
    assert len(list(tmp_path.rglob("*.png"))) >= 4
