"""Helpers shared by the CLI commands: JSON-only stdout, output folders, progress on stderr.

A command run with ``--json`` must print exactly one JSON object on stdout and nothing else.
Simulators print to the process's file descriptor 1 from C++ (NEST) as well as from Python, so
:func:`stdout_to_stderr` redirects descriptor 1 itself while the command works; the JSON object is
then written to the real stdout by :func:`emit_json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np


@contextlib.contextmanager
def stdout_to_stderr(enabled: bool = True) -> Iterator[None]:
    """Send everything written to stdout (Python and C level) to stderr inside the block."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "magnitude") and hasattr(value, "dimensionality"):  # quantities
        return _jsonable(np.asarray(value.magnitude))
    return value


def to_json(obj: Any, **kwargs) -> str:
    """``json.dumps`` that also takes numpy arrays/scalars, Paths and quantities."""
    return json.dumps(_jsonable(obj), **kwargs)


def emit_json(obj: dict) -> None:
    """Print ``obj`` as one JSON object on stdout."""
    sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()


def output_dir(path: str | os.PathLike | None) -> Path | None:
    """Create (if needed) and return the ``--out`` folder, or None when none was given."""
    if path is None:
        return None
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` through a temporary file and a rename."""
    path = Path(path)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "w") as fh:
        fh.write(to_json(obj, indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def say(*parts: object) -> None:
    """Progress/status text for the user: always on stderr."""
    print(*parts, file=sys.stderr, flush=True)
