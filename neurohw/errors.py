"""Exception classes shared across neurohw.

Each error says what went wrong and what to change. Backend-, calibration- and network-specific
errors derive from :class:`NeurohwError` so that a caller can catch everything from the toolkit
with one ``except``.
"""


class NeurohwError(Exception):
    """Base class of every error raised by neurohw itself."""


class UnknownBackendError(NeurohwError, ValueError):
    """A backend name that neurohw does not know."""


class BackendUnavailableError(NeurohwError, ImportError):
    """A known backend whose software is not installed or cannot be imported."""


class SpikeDataError(NeurohwError, ValueError):
    """Spike data (neo objects or arrays) that a helper cannot interpret."""


class CheckpointError(NeurohwError):
    """A checkpoint that cannot be read or does not belong to the run resuming from it."""
