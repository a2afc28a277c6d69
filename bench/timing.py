"""Timing helpers: perf_counter, one warm-up, the median of k runs, and A/B runs interleaved so that
drift of a shared machine hits both sides alike."""

import statistics
import time


def run_timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(fn, k, warmup=1):
    """Median seconds of `k` runs of `fn` after `warmup` untimed runs; also the raw timings."""
    for _ in range(warmup):
        fn()
    times = [run_timed(fn)[0] for _ in range(k)]
    return statistics.median(times), times


def compare(fns, k, warmup=1):
    """Median seconds of each callable in the dict `fns`, runs interleaved (a, b, a, b, ...)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(k):
        for name, fn in fns.items():
            times[name].append(run_timed(fn)[0])
    return {name: statistics.median(ts) for name, ts in times.items()}, times


def ms(seconds):
    return round(seconds * 1000, 3)
