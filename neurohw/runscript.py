"""``neurohw run SCRIPT --backend B``: run an unchanged PyNN script on a chosen backend.

The script gets the backend the way PyNN's own examples get it:

* as the global name ``sim`` (already bound when the script starts), or
* through ``pyNN.utility.get_simulator()``, which reads the backend name from ``sys.argv[1]``:
  neurohw puts the backend name there, and makes ``pyNN.emulator`` an alias of
  ``neurohw.backends.emulator`` so that ``get_simulator`` can import it.

The environment variable ``NEUROHW_BACKEND`` is set too, for scripts that call
:func:`neurohw.script_backend`.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

import neurohw
from neurohw.cliutil import say
from neurohw.errors import NeurohwError

BACKEND_ENV_VAR = "NEUROHW_BACKEND"


def run_script(script: str, backend_name: str, script_args: list[str] | None = None) -> int:
    """Run ``script`` with ``sim`` bound to the backend ``backend_name``; return an exit code."""
    path = Path(script)
    if not path.is_file():
        say(f"neurohw run: no such script: {script}")
        return 2
    try:
        sim = neurohw.backend(backend_name)
    except NeurohwError as err:
        say(f"neurohw run: {err}")
        return 2
    key = backend_name.strip().lower()
    if key != "nest":
        sys.modules.setdefault(f"pyNN.{key}", sim)
    os.environ[BACKEND_ENV_VAR] = key
    saved_argv = sys.argv
    sys.argv = [str(path), key, *(script_args or [])]
    try:
        runpy.run_path(str(path), init_globals={"sim": sim}, run_name="__main__")
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv = saved_argv
    return 0
