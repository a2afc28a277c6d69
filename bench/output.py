"""Result lines: one JSON object per line on stdout, and the same lines appended to
<results dir>/<YYYY-MM-DD>.json (a JSON list). The directory is BENCH_RESULTS_DIR or bench/results."""

import datetime
import json
import os
import sys
from pathlib import Path

DEFAULT_RESULTS_DIR = Path(__file__).resolve().parent / "results"
REQUIRED_KEYS = ("bench", "db", "scale", "value", "unit", "target", "ok", "detail")


def results_dir(override=None):
    return Path(override or os.environ.get("BENCH_RESULTS_DIR") or DEFAULT_RESULTS_DIR)


class Recorder:
    def __init__(self, db, scale, run_info):
        self.db = db
        self.scale = scale
        self.run_info = run_info
        self.lines = []

    def emit(self, bench, value, unit, target=None, ok=None, scale=None, **detail):
        """One result. `ok` defaults to value ≤ target when there is a target; lines without a target
        are informational (ok null)."""
        if ok is None and target is not None and value is not None:
            ok = value <= target
        line = {
            "bench": bench,
            "db": self.db,
            "scale": self.scale if scale is None else scale,
            "value": None if value is None else round(value, 3),
            "unit": unit,
            "target": target,
            "ok": ok,
            "detail": {**detail, "run": self.run_info},
        }
        self.lines.append(line)
        print(json.dumps(line, ensure_ascii=False, default=str), flush=True)
        return line

    def save(self, directory=None):
        directory = results_dir(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{datetime.date.today().isoformat()}.json"
        existing = json.loads(path.read_text()) if path.exists() and path.stat().st_size else []
        existing.extend(self.lines)
        path.write_text(json.dumps(existing, ensure_ascii=False, indent=1, default=str) + "\n")
        print(f"results appended to {path}", file=sys.stderr)
        return path
