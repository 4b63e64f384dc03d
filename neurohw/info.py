"""``neurohw info``: versions, backends and the machine, as a dict and as text."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys

from neurohw import __version__
from neurohw.backends import KNOWN_BACKENDS, available

PACKAGES = ("PyNN", "nest-simulator", "neo", "quantities", "numpy", "scipy", "matplotlib")


def _memory_gib() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * size / 2**30, 1)


def collect_info() -> dict:
    """neurohw and dependency versions, backends (known/available) and machine facts."""
    versions = {"neurohw": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "versions": versions,
        "backends": {"known": sorted(KNOWN_BACKENDS), "available": available()},
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "memory_gib": _memory_gib(),
            "executable": sys.executable,
        },
    }


def format_info(info: dict) -> str:
    """Human-readable text of :func:`collect_info`'s result."""
    lines = ["neurohw " + info["versions"]["neurohw"], "", "versions:"]
    for name, version in info["versions"].items():
        lines.append(f"  {name:15s} {version or 'not installed'}")
    lines += ["", "backends:"]
    for name in info["backends"]["known"]:
        state = "available" if name in info["backends"]["available"] else "not available"
        lines.append(f"  {name:15s} {state}")
    m = info["machine"]
    lines += ["", "machine:", f"  {m['platform']}", f"  {m['cpus']} CPUs, {m['memory_gib']} GiB"]
    return "\n".join(lines)
