"""pyproject.toml lists every package under the folders that install as neurohw.*."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for package, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]))
    assert found - listed == set(), f"add these to [tool.setuptools] packages: {found - listed}"
    assert listed - found == set(), f"listed but missing on disk: {listed - found}"


def test_top_level_is_what_users_were_promised():
    allowed = {"pyproject.toml", "README.md", "neurohw", "backends", "hw_calibration", "networks",
               "tests", "examples", "benchmarks"}
    visible = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")}
    untracked_build = {"build", "dist", "neurohw.egg-info", "neurohw-demo"}
    assert visible - allowed - untracked_build == set()
