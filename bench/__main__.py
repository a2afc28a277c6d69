"""python -m bench [--db sqlite|postgresql] [--scale N] [--quick] [--only B1,B3] [--seed S]

Configures Django itself, migrates a fresh database, builds a synthetic province through the bulk
path, runs the benchmarks and prints one JSON line per figure (also appended to the results file)."""

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass, field

from bench import database
from bench.timing import ms

ORDER = ["B1", "B3", "B5", "B2", "B4", "B6"]  # B6 rebuilds the database: last
QUICK_SCALE = 200


@dataclass
class Context:
    db: str
    scale: int
    quick: bool
    seed: int
    k: int
    rec: object
    province: object = None
    extra: dict = field(default_factory=dict)


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scale", type=int, default=None, help="number of projects (default 10000; --quick 200)")
    parser.add_argument("--quick", action="store_true", help="small scale and few repetitions, for CI")
    parser.add_argument("--only", default="", help="comma-separated benchmarks, e.g. B1,B3")
    parser.add_argument("--seed", type=int, default=20131031)
    parser.add_argument("--k", type=int, default=None, help="timed repetitions (median taken)")
    parser.add_argument("--db-name", default=os.environ.get("BENCH_DB_NAME", "wt_bench"),
                        help="PostgreSQL database name, must start with wt_bench (dropped and recreated)")
    parser.add_argument("--results-dir", default=None, help="where results go (default $BENCH_RESULTS_DIR or bench/results)")
    parser.add_argument("--no-save", action="store_true", help="print only, do not append to the results file")
    parser.add_argument("--b6-scales", default="", help="B6 provinces, e.g. 1000,10000,100000 (default 1000,10000)")
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = QUICK_SCALE if args.quick else 10000
    if args.k is None:
        args.k = 3 if args.quick else 5
    wanted = [b.strip().upper() for b in args.only.split(",") if b.strip()]
    unknown = set(wanted) - set(ORDER)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    args.benches = [b for b in ORDER if not wanted or b in wanted]
    return args


def main(argv=None):
    args = parse(argv)
    database.configure(args.db, args.db_name)
    import django

    django.setup()
    from bench import b1, b2, b3, b4, b5, b6, dataset
    from bench.output import Recorder

    modules = {"B1": b1, "B2": b2, "B3": b3, "B4": b4, "B5": b5, "B6": b6}
    run_info = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "quick": args.quick,
                "seed": args.seed, "python": platform.python_version(), "host_cpus": os.cpu_count()}
    rec = Recorder(args.db, args.scale, run_info)
    ctx = Context(db=args.db, scale=args.scale, quick=args.quick, seed=args.seed, k=args.k, rec=rec)
    ctx.extra["db_name"] = args.db_name
    if args.b6_scales:
        ctx.extra["b6_scales"] = tuple(int(n) for n in args.b6_scales.split(","))
    failures = 0

    database.fresh(args.db, args.db_name)
    start = time.perf_counter()
    ctx.province = dataset.build(args.scale, args.seed)
    dataset.analyze()
    rec.emit("build", None, "ms", build_ms=ms(time.perf_counter() - start), rows=ctx.province.counts)
    for name in args.benches:
        try:
            modules[name].run(ctx)
        except Exception:
            failures += 1
            report_failure(rec, name, ctx)
    if not args.no_save:
        rec.save(args.results_dir)
    database.drop(args.db, args.db_name)
    return 1 if failures else 0


def report_failure(rec, name, ctx):
    text = traceback.format_exc()
    print(text, file=sys.stderr)
    rec.emit(name, None, "error", ok=False, error=text.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
