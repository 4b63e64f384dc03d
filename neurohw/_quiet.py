"""Keep the noise that importing and running NEST prints out of the user's way.

``import pyNN.nest`` tries to compile PyNN's NEST extensions with cmake (and warns when that
fails), NEST prints a banner, and NEST 3.10 warns about every deprecated ``SetStatus``/``GetStatus``
call that PyNN 0.13 makes. None of it is actionable for a user of neurohw, so it is silenced
unless the environment variable ``NEUROHW_SHOW_BACKEND_WARNINGS=1`` is set (for developers who
want to see it).
"""

from __future__ import annotations

import contextlib
import os
import warnings

SHOW_ENV_VAR = "NEUROHW_SHOW_BACKEND_WARNINGS"


def backend_warnings_wanted() -> bool:
    """True when the developer asked to see the backends' own warnings."""
    return os.environ.get(SHOW_ENV_VAR, "").strip() not in ("", "0", "false", "no")


def silence_nest_runtime_warnings() -> None:
    """Install filters for NEST's deprecation warnings that PyNN triggers at run time."""
    if backend_warnings_wanted():
        return
    warnings.filterwarnings("ignore", module=r"nest(\..*)?$")
    warnings.filterwarnings("ignore", message=r".*is deprecated and will be removed.*")
    warnings.filterwarnings("ignore", message=r"Provided for backward compatibility only.*")
    warnings.filterwarnings("ignore", message=r"Problem running cmake.*")
    warnings.filterwarnings("ignore", message=r"Unable to (compile|install) NEST extensions.*")
    warnings.filterwarnings("ignore", message=r"Cannot create build directory for nest extensions")
    # pyNN.nest's recorder, when a network continues runs instead of resetting (PyNN 0.13 has no
    # full reset on NEST): spikes of the step at t_stop are kept, which is what we want.
    warnings.filterwarnings("ignore", message=r"Recorded at least one spike after t_stop")


@contextlib.contextmanager
def quiet_import():
    """Context for importing NEST/pyNN.nest without its banner and build warnings."""
    if backend_warnings_wanted():
        yield
        return
    os.environ.setdefault("PYNEST_QUIET", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            yield
    silence_nest_runtime_warnings()
