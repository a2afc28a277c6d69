"""python -m bench.table [results.json]: the latest results file as a Markdown table (stdout).

python -m bench.table --readme [results.json]: the same table written into README.md, between the
markers `<!-- bench:start -->` and `<!-- bench:end -->` (the rest of the README is left alone)."""

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
                    "queries", "queries_10", "queries_full", "users", "requests", "errors", "p95_ms", "rps",
                    "database_locked", "ms", "error", "note"):
            if key in d and key != "note":
                notes.append(f"{key}={d[key]}")
        if d.get("note") and line["value"] is None:
            notes.append(d["note"])
        ok = {True: "yes", False: "**no**", None: "—"}[line["ok"]]
        out.append(f"| {bench} | {db} | {scale} | {fmt(line['value'])} | {line['unit']} | {fmt(line['target'])} "
                   f"| {ok} | {'; '.join(notes)} |")
    return "\n".join(out)


README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def section(path):
    return f"Results from `bench/results/{path.name}` (`python -m bench.table`):\n\n" + render(json.loads(path.read_text()))


def write_readme(path, readme=README):
    """Replaces the README's benchmark section (between the markers) with the table of `path`."""
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} … {END} section")
    before, rest = text.split(START, 1)
    _old, after = rest.split(END, 1)
    readme.write_text(f"{before}{START}\n{section(path)}\n{END}{after}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    readme = "--readme" in argv
    argv = [a for a in argv if a != "--readme"]
    path = Path(argv[0]) if argv else latest_file()
    if readme:
        write_readme(path)
        return
    print(f"Results from `{path.name}`\n")
    print(render(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
