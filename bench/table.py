"""python -m bench.table [results.json]: the latest results file as a Markdown table (stdout)."""

import json
import sys
from pathlib import Path

from bench.output import results_dir


def latest_file(directory=None):
    files = sorted(results_dir(directory).glob("*.json"))
    if not files:
        raise SystemExit(f"no results in {results_dir(directory)}")
    return files[-1]


def fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def render(lines):
    # The last line wins for each (bench, db, scale).
    latest = {}
    for line in lines:
        if line.get("bench") == "build":
            continue
        latest[(line["bench"], line["db"], line["scale"])] = line
    out = ["| bench | db | scale | value | unit | target | ok | notes |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (bench, db, scale), line in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        d = line.get("detail", {})
        notes = []
        for key in ("shipped_ms", "modelserializer_ms", "floor_ms", "orm_ms_per_bulletin", "floor_ms_per_bulletin",
                    "shipped_ms_per_bulletin", "naive_ms_all_months", "totals_equal", "same_as_modelserializer",
                    "keyset_ms", "offset_ms", "page", "rows", "rows_per_s", "import_ms", "peak_traced_mb",
                    "queries", "queries_10", "queries_full", "requests", "errors", "p95_ms", "rps",
                    "database_locked", "ms", "error", "note"):
            if key in d and key != "note":
                notes.append(f"{key}={d[key]}")
        if d.get("note") and line["value"] is None:
            notes.append(d["note"])
        ok = {True: "yes", False: "**no**", None: "—"}[line["ok"]]
        out.append(f"| {bench} | {db} | {scale} | {fmt(line['value'])} | {line['unit']} | {fmt(line['target'])} "
                   f"| {ok} | {'; '.join(notes)} |")
    return "\n".join(out)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else latest_file()
    print(f"Results from `{path.name}`\n")
    print(render(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
