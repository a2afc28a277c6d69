"""Pausing Python's cyclic garbage collector around bulk work (the bulletin, the report import)."""

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """Within the block (or the decorated function), the cyclic garbage collector does not run;
    reference counting still frees everything else. Re-enabled afterwards if it was enabled before,
    which collects whatever cycles the block left.

    Bulk work builds many small acyclic containers that stay alive until it ends (a bulletin's rows,
    reasons and fetched values; an import's rows): past some tens of thousands the collector's
    thresholds trigger full collections that scan the whole heap and find nothing — ~15 % of the
    bulletin at 10,000 projects (bench B6-bulletin grew faster than linearly) and about a quarter of
    an import (bench B2). The pause is process-wide: fine for gunicorn's sync workers (one request
    a process); in a threaded server other threads run without cyclic collection meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
