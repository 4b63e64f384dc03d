"""``neurohw run SCRIPT --backend B``: run an unchanged PyNN script on a chosen backend.

The script gets the backend the way PyNN's own examples get it:

* as the global name ``sim`` (already bound when the script starts), or
* through ``pyNN.utility.get_simulator()``, which reads the backend name from ``sys.argv[1]``:
  neurohw puts the backend name there, and makes ``pyNN.emulator`` an alias of
  ``neurohw.backends.emulator`` so that ``get_simulator`` can import it.

The environment variable ``NEUROHW_BACKEND`` is set too, for scripts that call
:func:`neurohw.script_backend`.

``setup_defaults`` (``neurohw run --ideal``, ``--n-chips N``, ``--preset P``, ``--chip-seed S``)
become default keywords of the emulator's ``setup()``: the script sees a copy of the backend
module whose ``setup`` adds them unless the script passes them itself. The script stays unchanged.
"""

from __future__ import annotations

import os
import functools
import runpy
import sys
import types
from pathlib import Path
from typing import Any

import neurohw
from neurohw.cliutil import say
from neurohw.errors import NeurohwError

BACKEND_ENV_VAR = "NEUROHW_BACKEND"


def with_setup_defaults(sim: types.ModuleType, defaults: dict[str, Any]) -> types.ModuleType:
    """A copy of the backend module ``sim`` whose ``setup()`` takes ``defaults`` as default
    keywords (the script's own keywords win); ``sim`` itself when there are none."""
    if not defaults:
        return sim
    wrapped = types.ModuleType(sim.__name__, sim.__doc__)
    wrapped.__dict__.update({k: v for k, v in vars(sim).items()
                             if k not in ("__name__", "__doc__", "__spec__", "__loader__")})
    original = sim.setup

    @functools.wraps(original)
    def setup(*args, **kwargs):
        return original(*args, **{**defaults, **kwargs})

    wrapped.setup = setup
    return wrapped


def run_script(script: str, backend_name: str, script_args: list[str] | None = None,
               setup_defaults: dict[str, Any] | None = None) -> int:
    """Run ``script`` with ``sim`` bound to the backend ``backend_name``; return an exit code.

    ``setup_defaults``: emulator keywords of ``setup()`` (``ideal``, ``n_chips``, ``preset``,
    ``chip_seed``) to use unless the script passes them; refused for other backends.
    """
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
    setup_defaults = {k: v for k, v in (setup_defaults or {}).items() if v is not None}
    if setup_defaults and key != "emulator":
        say(f"neurohw run: {', '.join('--' + k.replace('_', '-') for k in setup_defaults)} "
            f"only applies to --backend emulator (got --backend {backend_name})")
        return 2
    sim = with_setup_defaults(sim, setup_defaults)
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
