"""Exceptions of the dendritic-balance network."""

from neurohw.errors import NeurohwError


class DendriticBalanceError(NeurohwError, ValueError):
    """A setting of the dendritic-balance model or task that cannot be used as given."""
