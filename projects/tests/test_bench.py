"""The benchmark harness runs end to end at --quick scale and its bulletin totals are right.

Correctness only: no time is asserted here (times drift on shared machines; see docs/bench.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from bench.output import REQUIRED_KEYS

ROOT = Path(__file__).resolve().parents[2]


def run_bench(db, tmp_path, *extra):
    env = {**os.environ, "BENCH_RESULTS_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--db", db, "--db-name", os.environ.get("BENCH_TEST_DB_NAME", "wt_bench_test_quick"), "--k", "1", *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=170,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, lines


def databases():
    dbs = ["sqlite"]
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        dbs.append("postgresql")
    return dbs


@pytest.mark.parametrize("db", databases())
def test_quick_run(db, tmp_path):
    proc, lines = run_bench(db, tmp_path, "--only", "B1,B3,B5,B2,B6")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert lines, proc.stderr[-3000:]
    for line in lines:
        assert set(REQUIRED_KEYS) <= set(line), line
        assert line["db"] == db
        assert line["unit"] != "error", line
    by_name = {line["bench"]: line for line in lines}
    assert {"B1", "B1-modelserializer", "B1-queries", "B3", "B3-naive", "B5", "B2-floor",
            "B2-bulk_create", "B6-list", "B6-detail", "B6-bulletin"} <= set(by_name)
    b1 = by_name["B1"]["detail"]
    assert b1["same_as_modelserializer"] is True
    assert b1["queries_10"] == b1["queries_full"]
    b3 = by_name["B3"]["detail"]
    assert b3["totals_equal"] is True, b3["mismatches"]
    assert b3["floor_totals_equal"] is True
    assert by_name["B5"]["detail"]["same_rows"] is True
    # The same lines went to the results file in the temporary directory, not into the repo.
    saved = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert [s["bench"] for s in saved] == [line["bench"] for line in lines]
