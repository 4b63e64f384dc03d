"""Keep BLAS single-threaded around the small matrix products of this network.

The matrices here are tiny (tens x hundreds); OpenBLAS's thread pool only adds synchronisation
cost, which on a loaded machine made a 64x800x16 product ~50x slower than single-threaded.
``threadpoolctl`` ships with scikit-learn, a dependency of neurohw.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Callable, Iterator, TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit BLAS to one thread inside the block."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def blas_single_threaded(func: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of :func:`single_threaded_blas`."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with single_threaded_blas():
            return func(*args, **kwargs)
    return wrapper
