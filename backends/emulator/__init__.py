"""The emulator of a BrainScaleS-style accelerated analog chip, as a PyNN backend.

>>> import neurohw
>>> sim = neurohw.backend("emulator")
>>> sim.setup(timestep=0.1, chip_seed=3, ideal=False)

Everything in the PyNN API and in neo output is in biological ms; the chip runs ``acceleration``
times faster (1e4 for ``bss1``, 1e3 for ``bss2``); the hardware time is
``sim.state.hardware_time_ms`` and is annotated on every neo Block/Segment. ``ideal=True`` turns
every chip distortion off, and the emulator then agrees with NEST on the same script.

Supported: IF_cond_exp, IF_curr_exp, EIF_cond_exp_isfa_ista and their alpha-synapse versions
IF_cond_alpha, IF_curr_alpha, EIF_cond_alpha_isfa_ista (as NEST's iaf_cond_alpha, iaf_psc_alpha,
aeif_cond_alpha), HWNeuron (raw DAC codes), SpikeSourceArray, SpikeSourcePoisson, DCSource,
StepCurrentSource, ACSource, NoisyCurrentSource (seeded, deterministic; ``record()``/``get_data()``
on every current source), StaticSynapse, STDPMechanism (SpikePairRule with the additive,
multiplicative, additive-potentiation/multiplicative-depression and Guetig weight dependences),
TsodyksMarkramSynapse, the emulator-only OnlineEMSynapse (a plasticity-processor program, bss2)
and every generic PyNN connector. Plasticity: NEST's rules in ideal mode, the chip's circuits
otherwise (``chip.plasticity``).
"""

from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from .control import (  # noqa: F401
    end,
    energy_report,
    get_current_time,
    get_hardware_time,
    get_max_delay,
    get_min_delay,
    get_time_step,
    initialize,
    mapping_report,
    num_processes,
    rank,
    reseed,
    reset,
    run,
    run_for,
    run_until,
    setup,
)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .native_rng import NativeRNG  # noqa: F401
from .projections import Projection  # noqa: F401
from .simulator import state  # noqa: F401
from .standardmodels import *  # noqa: F401,F403


def list_standard_models():
    """Names of the standard cell types this backend provides."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj is not StandardCellType]


def __getattr__(name):
    """A PyNN model the chip does not have: an AttributeError saying why (see unsupported.py)."""
    from .unsupported import refusal

    raise refusal(__name__, name)
