"""PyNN's source distribution (for its system scenarios and its ``examples/`` folder).

Neither is copied into this repository: :func:`sdist_root` fetches the source distribution of
the installed PyNN version with ``pip download --no-deps --no-binary :all:`` into a cache folder,
unpacks it there once (refusing archive members that would land outside it) and returns the
unpacked folder. Used by ``tests/pynn_scenarios.py`` and ``examples/pynn_examples_table.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path


class SdistUnavailable(RuntimeError):
    """PyNN's source distribution could not be obtained (no network, no such version, ...)."""


def pynn_version() -> str:
    """Version of the installed PyNN."""
    import pyNN

    return pyNN.__version__


def default_cache_dir() -> Path:
    """``$NEUROHW_CACHE_DIR/pynn-sdist`` or ``~/.cache/neurohw/pynn-sdist``."""
    root = os.environ.get("NEUROHW_CACHE_DIR") or os.path.join(Path.home(), ".cache", "neurohw")
    return Path(root) / "pynn-sdist"


def safe_extract(archive: Path, dest: Path) -> None:
    """Unpack a .tar.gz, refusing members that would land outside ``dest`` and links."""
    with tarfile.open(archive, "r:gz") as tar:
        root = dest.resolve()
        for member in tar.getmembers():
            target = (dest / member.name).resolve()
            if root not in target.parents and target != root:
                raise SdistUnavailable(f"refusing {archive.name}: member {member.name!r} "
                                       f"would be written outside {dest}")
            if member.issym() or member.islnk():
                raise SdistUnavailable(f"refusing {archive.name}: link member {member.name!r}")
        tar.extractall(dest)


def sdist_root(base: Path, version: str | None = None, required: str = "pyNN/__init__.py",
               timeout_s: float = 120.0) -> Path:
    """The unpacked source distribution of PyNN ``version`` (default: the installed one) in the
    cache folder ``base``; ``required`` (a path inside it) must exist.

    Downloads it the first time; raises :class:`SdistUnavailable` saying why when that is not
    possible (no network, no such version on the index, a broken archive).
    """
    version = version or pynn_version()
    base = Path(base)
    unpacked = base / f"pynn-{version}"
    if (unpacked / required).is_file():
        return unpacked
    base.mkdir(parents=True, exist_ok=True)
    pattern = f"[Pp]y[Nn][Nn]-{version}.tar.gz"
    archives = sorted(base.glob(pattern))
    if not archives:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "--timeout", "20", "--retries", "2",
               f"PyNN=={version}", "-d", str(base)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise SdistUnavailable(f"`{' '.join(cmd)}` did not finish: {err}") from err
        archives = sorted(base.glob(pattern))
        if proc.returncode != 0 or not archives:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise SdistUnavailable(
                f"could not download PyNN {version}'s source distribution with pip (exit "
                f"{proc.returncode}): {' | '.join(tail)}")
    tmp = base / f".unpack-{version}-{os.getpid()}"
    try:
        tmp.mkdir(exist_ok=True)
        safe_extract(archives[0], tmp)
        (top,) = [p for p in tmp.iterdir() if p.is_dir()]
        if not (top / required).is_file():
            raise SdistUnavailable(f"{archives[0].name} has no {required}")
        if not unpacked.exists():
            top.rename(unpacked)
    except (tarfile.TarError, OSError, ValueError) as err:
        if (unpacked / required).is_file():  # another process unpacked it
            return unpacked
        raise SdistUnavailable(f"could not unpack {archives[0]}: {err}") from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not (unpacked / required).is_file():
        raise SdistUnavailable(f"{unpacked} has no {required}")
    return unpacked
