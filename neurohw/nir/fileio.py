"""Reading and writing NIR HDF5 files with validation (no pickle; HDF5 through ``h5py``).

:func:`read_graph` checks, before anything is built, that the file is HDF5, that it carries the
NIR ``version`` and ``node`` entries, that its version is not newer than the installed ``nir``
package, and that every node has the parameters its type requires. :func:`write_graph` writes to
a temporary file in the target directory and renames it, so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np

from neurohw.nir.errors import NIRFormatError, NIRMissingParameterError, NIRVersionError

#: Parameters each node type needs in the file (optional ones — ``v_reset``, ``w_in``,
#: ``metadata``, ``bias`` of ``Conv*`` — are filled with NIR's defaults by ``nir`` itself).
REQUIRED = {
    "Input": ("shape",),
    "Output": ("shape",),
    "Affine": ("weight", "bias"),
    "Linear": ("weight",),
    "Scale": ("scale",),
    "Delay": ("delay",),
    "Flatten": ("start_dim", "end_dim"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold"),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak"),
    "LIF": ("tau", "r", "v_leak", "v_threshold"),
    "LI": ("tau", "r", "v_leak"),
    "IF": ("r", "v_threshold"),
    "I": ("r",),
    "Threshold": ("threshold",),
    "Conv1d": ("weight", "stride", "padding", "dilation", "groups"),
    "Conv2d": ("weight", "stride", "padding", "dilation", "groups"),
    "SumPool2d": ("kernel_size", "stride", "padding"),
    "AvgPool2d": ("kernel_size", "stride", "padding"),
    "NIRGraph": ("nodes", "edges"),
}


def require_nir():
    """Import and return the ``nir`` package, or say how to install it."""
    try:
        import nir
    except ImportError as exc:
        raise ImportError(
            "neurohw.nir needs the 'nir' package: pip install \"neurohw[nir]\" (or pip install nir)"
        ) from exc
    return nir


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)[:3]
    if not parts:
        raise NIRFormatError(f"NIR version string {text!r} is not of the form MAJOR.MINOR.PATCH")
    return tuple(int(p) for p in parts)


def _decode(value):
    return value.decode("utf8") if isinstance(value, bytes) else value


def _check_node(name: str, group) -> None:
    import h5py

    if not isinstance(group, h5py.Group) or "type" not in group:
        raise NIRFormatError(f"NIR node {name!r} has no 'type' entry; the file is not a valid NIR graph")
    ntype = _decode(group["type"][()])
    if ntype not in REQUIRED:
        from neurohw.nir.errors import NIRUnsupportedNodeError

        raise NIRUnsupportedNodeError(
            f"NIR node {name!r} has type {ntype!r}, which neither neurohw nor this nir version "
            f"knows; supported node types: {', '.join(sorted(REQUIRED))}"
        )
    missing = [key for key in REQUIRED[ntype] if key not in group]
    if missing:
        raise NIRMissingParameterError(
            f"NIR node {name!r} ({ntype}) lacks the parameter(s) {missing}; a {ntype} node needs "
            f"{list(REQUIRED[ntype])}. Re-export the graph with all parameters set."
        )
    if ntype == "NIRGraph":
        for sub, sub_group in group["nodes"].items():
            _check_node(f"{name}.{sub}" if name else sub, sub_group)


def read_graph(path: str | os.PathLike):
    """Read and validate the NIR graph in ``path``; return a ``nir.NIRGraph``.

    Raises
    ------
    NIRFormatError
        ``path`` is not an HDF5 file or not a NIR graph.
    NIRVersionError
        The file was written by a newer NIR version than the installed ``nir`` package.
    NIRMissingParameterError
        A node lacks a parameter its type requires (the message names the node).
    """
    nir = require_nir()
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no NIR file at {path}")
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise NIRFormatError(f"{path} is not an HDF5 file, so not a NIR graph ({exc})") from exc
    with handle as f:
        if "version" not in f or "node" not in f:
            raise NIRFormatError(
                f"{path} is HDF5 but not a NIR graph: it lacks the top-level 'version' and 'node' "
                f"entries that nir.write() creates"
            )
        file_version = str(_decode(f["version"][()]))
        if _version_tuple(file_version)[:2] > _version_tuple(nir.version)[:2]:
            raise NIRVersionError(
                f"{path} was written by NIR {file_version}, newer than the installed nir "
                f"{nir.version}; upgrade the 'nir' package (pip install -U nir)"
            )
        root = f["node"]
        _check_node("", root)
        if _decode(root["type"][()]) != "NIRGraph":
            raise NIRFormatError(f"{path}: the top-level NIR node is not a NIRGraph")
    try:
        # Shapes are checked while mapping (naming the node); nir's global type inference
        # would reject valid recurrent graphs.
        return nir.read(path, type_check=False)
    except (KeyError, TypeError, AssertionError, ValueError) as exc:
        raise NIRMissingParameterError(
            f"{path}: nir could not build the graph ({type(exc).__name__}: {exc}); a node's "
            f"parameters are missing or do not fit together (shapes)"
        ) from exc


def write_graph(graph, path: str | os.PathLike) -> Path:
    """Write ``graph`` (a ``nir.NIRGraph``) to ``path`` atomically (temp file + rename)."""
    nir = require_nir()

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        nir.write(tmp, graph)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def as_float_array(value) -> np.ndarray:
    """``value`` as a 1-D float64 array (NIR neuron parameters of any shape are flattened C-order)."""
    return np.asarray(value, dtype=np.float64).reshape(-1)
