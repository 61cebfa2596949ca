"""Ensemble throughput: parameter draws × (Guiyang's mix + its same-seed twin) on the batch engine.

Run from the repository root::

    python benchmarks/ensemble.py                    # 20 draws, the whole scenario
    python benchmarks/ensemble.py --days 365         # each run cut to its first 365 days

Each task is one parameter draw (``draws.choose_draws``: the calibration's posterior
sample when one is shipped, else the evidence priors) run as the mix and its
counterfactual twin forked after the shared burn-in (``batch.execute_pair``). The same
tasks go through the batch engine twice, on a process pool of ``--workers`` and on a local
Dask cluster of as many workers; the seconds of each (start-up included, as a user waits
for it) and the machine's load average before and after are printed, and the two sets of
records must be identical figure for figure, or the script exits 1. Workers import the
model once and keep each scenario they have validated (``batch.task_scenario``); nothing
is rebuilt per run but the model itself.

Measured (2 cores shared with other work): ``--draws 20 --days 365`` took 95 s on the
pool and 107 s on Dask at load 1.2 → 4.9 (153 s and 163 s at load 5.4 → 7.4), records
identical; a pair of 365 days (180 of burn-in shared) costs about 9 s of one core. The
whole scenario (1,035 days after burn-in) costs about three times that.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GUIYANG = ROOT / "scenarios" / "guiyang.yaml"


def tasks(draws: int, days: int | None, seed: int) -> list[Any]:
    from safesim.core.scenario import load_scenario
    from safesim.experiments.batch import RunTask
    from safesim.experiments.draws import choose_draws
    from safesim.experiments.runner import replicate_seed

    scenario = load_scenario(GUIYANG)
    data = scenario.model_dump(mode="json")
    chosen = choose_draws(seed=seed, draws=draws, runs=draws)
    return [
        RunTask(f"draw{k:03d}", data, replicate_seed(seed, k), days, fitted=chosen.values_of(k))
        for k in range(draws)
    ]


def run_on(label: str, batch: list[Any], workers: int, dask: str | None) -> dict[str, Any]:
    from safesim.experiments.batch import execute_pair, locked_journal, run_tasks_with_progress

    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / label
        with locked_journal(out, {"ensemble": label}, True, workers, dask, (), execute_pair) as (
            journal,
            executor,
        ):
            description = executor.description
            records, _, _ = run_tasks_with_progress(batch, journal, executor, label)
    seconds = time.perf_counter() - started
    return {
        "executor": description,
        "seconds": round(seconds, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "run_seconds": round(sum(r["wall_seconds"] for r in records.values()), 1),
        "failed": sum(r["status"] != "ok" for r in records.values()),
        "records": {k: {s: r[s] for s in ("seed", "mix", "twin")} for k, r in records.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--days", type=int, default=None, help="cut each run (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    from safesim.experiments.results import json_safe

    batch = tasks(args.draws, args.days, args.seed)
    results = {
        "pool": run_on("pool", batch, args.workers, None),
        "dask": run_on("dask", batch, args.workers, "local"),
    }
    # As the journal holds them (a figure without a value, NaN, is null), key by key.
    same = all(
        json.dumps(json_safe(results["pool"]["records"][k]), sort_keys=True)
        == json.dumps(json_safe(results["dask"]["records"][k]), sort_keys=True)
        for k in results["pool"]["records"]
    ) and set(results["pool"]["records"]) == set(results["dask"]["records"])
    days = "all days" if args.days is None else f"{args.days} days"
    print(f"{args.draws} draws × (Guiyang mix + twin), {days}, {args.workers} workers:")
    for r in results.values():
        print(
            f"  {r['executor']:<32} {r['seconds']:7.1f} s  (runs' own seconds {r['run_seconds']}, "
            f"failed {r['failed']}; load {r['load_before']} → {r['load_after']})"
        )
    print(f"  identical records on both: {'yes' if same else 'NO'}")
    if args.json is not None:
        summary = {n: {k: v for k, v in r.items() if k != "records"} for n, r in results.items()}
        summary.update(identical=same, draws=args.draws, days=args.days, workers=args.workers)
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if same and not any(r["failed"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
