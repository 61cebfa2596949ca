"""Benchmark safesim: Guiyang at full scale, household-days per second by city size, and
the speed-up over the same household core written the usual Mesa way.

Run from the repository root::

    python benchmarks/run.py            # the full benchmark (a few minutes)
    python benchmarks/run.py --quick    # a smaller version (well under a minute)
    python benchmarks/run.py --day-against 2ecfcec   # a Guiyang day, now and at a commit

``--day-against REF`` times a Guiyang day (campaign in force, so every unit acts) with
this checkout's engine and with the engine at git commit ``REF``, alternating the two in
fresh processes so that a busy machine slows both alike, and reports the ratio.

Every measurement runs in a fresh Python process, so that one city's memory does not
inflate the next one's peak; the peak is that process's ``ru_maxrss`` (resident set, which
also counts the interpreter and imported libraries: ``rss_after_import_mb`` gives that
floor). Timings are wall clock; small measurements are repeated and the fastest run kept.
Figures go to ``results/benchmarks/benchmark.json`` and ``benchmark.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GUIYANG = ROOT / "scenarios" / "guiyang.yaml"
OUT_DIR = ROOT / "results" / "benchmarks"
YEAR = 365
# Targets on a 2-core machine (reported, never asserted).
TARGET_GUIYANG_SECONDS = 10.0
TARGET_GUIYANG_PEAK_MB = 1024.0
TARGET_SPEEDUP_AT_100K = 100.0
TARGET_MILLION_COST_RATIO = 12.0


@dataclass(frozen=True)
class Measurement:
    """One timed run: ``kind`` is "safesim" or "mesa_reference"."""

    label: str
    kind: str
    households: int | None  # None: the scenario as it is
    days: int
    repeats: int = 1
    # Start the campaign on the first recorded day, so every intervention is at work in
    # the timed year (in Guiyang's own calendar the first year is all before it).
    campaign: bool = False
    # Also run the counterfactual twin forked after the burn-in (as `safesim run` does).
    twin: bool = False
    note: str = ""


CAMPAIGN = "campaign from day 0, doses per household as Guiyang's"


def plan(quick: bool) -> list[Measurement]:
    if quick:
        return [
            Measurement("guiyang_full", "safesim", None, 30, note="quick: 30 days"),
            Measurement("safesim_10k", "safesim", 10_000, 60, campaign=True, note=CAMPAIGN),
            Measurement("safesim_100k", "safesim", 100_000, 60, campaign=True, note=CAMPAIGN),
            Measurement("mesa_reference_10k", "mesa_reference", 10_000, 20),
            Measurement(
                "mesa_reference_100k",
                "mesa_reference",
                100_000,
                2,
                note="2 days timed, extrapolated per household-day",
            ),
        ]
    return [
        Measurement("guiyang_full", "safesim", None, YEAR, note="2012: before the campaign"),
        Measurement("guiyang_full_campaign", "safesim", None, YEAR, campaign=True, note=CAMPAIGN),
        Measurement(
            "guiyang_full_campaign_twin",
            "safesim",
            None,
            YEAR,
            campaign=True,
            twin=True,
            note=CAMPAIGN + "; with its counterfactual twin",
        ),
        Measurement(
            "safesim_10k", "safesim", 10_000, YEAR, repeats=3, campaign=True, note=CAMPAIGN
        ),
        Measurement(
            "safesim_100k", "safesim", 100_000, YEAR, repeats=3, campaign=True, note=CAMPAIGN
        ),
        Measurement("safesim_1m", "safesim", 1_000_000, YEAR, campaign=True, note=CAMPAIGN),
        Measurement("mesa_reference_10k", "mesa_reference", 10_000, YEAR),
        Measurement(
            "mesa_reference_100k",
            "mesa_reference",
            100_000,
            5,
            repeats=2,
            note="5 days timed, extrapolated per household-day",
        ),
    ]


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ----------------------------------------------------------------------------- worker
def measure_safesim(
    households: int | None, days: int, campaign: bool, twin: bool = False
) -> dict[str, Any]:
    from safesim.model import SafetyModel
    from safesim.scaling import scale_scenario
    from safesim.scenario import load_scenario

    scenario = load_scenario(GUIYANG)
    if households is not None:
        scenario = scale_scenario(scenario, households)
    if campaign:
        scenario = scenario.with_values({"calendar.campaign_start": scenario.calendar.start})
    after_import = peak_rss_mb()
    started = time.perf_counter()
    model = SafetyModel(scenario, seed=scenario.seed, days=days)
    built = time.perf_counter()
    counterfactual = model.counterfactual_twin() if twin else None
    model.run()
    if counterfactual is not None:
        counterfactual.run()
    finished = time.perf_counter()
    return {
        "households": model.households.n,
        "cells": model.layout.cells,
        "construct_s": built - started,
        "steps_s": finished - built,
        "rss_after_import_mb": after_import,
    }


def measure_reference(households: int, days: int) -> dict[str, Any]:
    from mesa_reference import MesaReferenceModel

    after_import = peak_rss_mb()
    started = time.perf_counter()
    model = MesaReferenceModel(households, seed=1)
    built = time.perf_counter()
    for _ in range(days):
        model.step()
    finished = time.perf_counter()
    return {
        "households": households,
        "cells": len(model.blocks),
        "construct_s": built - started,
        "steps_s": finished - built,
        "rss_after_import_mb": after_import,
    }


def measure_day(days: int) -> dict[str, Any]:
    """Milliseconds per Guiyang day with the campaign in force, after 5 warm-up days."""
    from safesim.model import SafetyModel
    from safesim.scenario import load_scenario

    scenario = load_scenario(GUIYANG)
    scenario = scenario.with_values({"calendar.campaign_start": scenario.calendar.start})
    started = time.perf_counter()
    model = SafetyModel(scenario, seed=scenario.seed, days=days + 5)
    built = time.perf_counter()
    for _ in range(5):
        model.step()
    stepping, cpu = time.perf_counter(), time.process_time()
    for _ in range(days):
        model.step()
    finished, cpu_finished = time.perf_counter(), time.process_time()
    return {
        "construct_s": built - started,
        "ms_per_day": 1000.0 * (finished - stepping) / days,
        # CPU time of this process alone: what others running on the machine disturb least.
        "cpu_ms_per_day": 1000.0 * (cpu_finished - cpu) / days,
    }


def day_against(ref: str, days: int, rounds: int) -> dict[str, Any]:
    """A Guiyang day with this engine and with the one at ``ref``, side by side."""
    import tarfile
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        engines = {"now": None, ref: str(Path(folder) / "src")}
        times: dict[str, list[dict[str, Any]]] = {name: [] for name in engines}
        for _ in range(rounds):
            for name, src in engines.items():
                env = {**os.environ, "PYTHONHASHSEED": "0"}
                if src is not None:
                    env["PYTHONPATH"] = src
                spec = json.dumps({"kind": "day", "days": days})
                done = subprocess.run(
                    [sys.executable, __file__, "--worker", spec],
                    capture_output=True, text=True, check=True, cwd=ROOT, env=env,
                )  # fmt: skip
                times[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = {name: min(r["ms_per_day"] for r in runs) for name, runs in times.items()}
    cpu = {name: min(r["cpu_ms_per_day"] for r in runs) for name, runs in times.items()}
    return {
        "days_timed": days,
        "rounds": rounds,
        "ms_per_day": {name: round(v, 2) for name, v in best.items()},
        "cpu_ms_per_day": {name: round(v, 2) for name, v in cpu.items()},
        "cpu_ratio_now_over_ref": round(cpu["now"] / cpu[ref], 3),
        "construct_s": {
            name: round(min(r["construct_s"] for r in runs), 2) for name, runs in times.items()
        },
        "ratio_now_over_ref": round(best["now"] / best[ref], 3),
    }


def worker(spec: dict[str, Any]) -> None:
    if spec["kind"] == "day":
        print(json.dumps(measure_day(spec["days"])))
        return
    if spec["kind"] == "safesim":
        result = measure_safesim(
            spec["households"], spec["days"], spec["campaign"], spec.get("twin", False)
        )
    else:
        result = measure_reference(spec["households"], spec["days"])
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


# ----------------------------------------------------------------------------- driver
def run_measurement(m: Measurement) -> dict[str, Any]:
    """Run ``m`` in fresh processes; keep the fastest repeat and the largest peak."""
    spec = json.dumps(
        {
            "kind": m.kind,
            "households": m.households,
            "days": m.days,
            "campaign": m.campaign,
            "twin": m.twin,
        }
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    runs = []
    for _ in range(m.repeats):
        done = subprocess.run(
            [sys.executable, __file__, "--worker", spec],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["steps_s"])
    steps_s = best["steps_s"]
    return {
        "label": m.label,
        "kind": m.kind,
        "households": best["households"],
        "cells": best["cells"],
        "days": m.days,
        "repeats": m.repeats,
        "construct_s": round(best["construct_s"], 3),
        "steps_s": round(steps_s, 3),
        "total_s": round(best["construct_s"] + steps_s, 3),
        "household_days_per_s": round(best["households"] * m.days / steps_s),
        "microseconds_per_household_day": round(1e6 * steps_s / (best["households"] * m.days), 4),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "rss_after_import_mb": round(best["rss_after_import_mb"], 1),
        "note": m.note,
    }


def summarise(rows: list[dict[str, Any]], quick: bool) -> dict[str, Any]:
    by = {r["label"]: r for r in rows}
    summary: dict[str, Any] = {}
    for size in ("10k", "100k"):
        ours, ref = by.get(f"safesim_{size}"), by.get(f"mesa_reference_{size}")
        if ours and ref:
            summary[f"speedup_vs_mesa_reference_{size}"] = round(
                ours["household_days_per_s"] / ref["household_days_per_s"], 1
            )
    if "safesim_1m" in by and "safesim_100k" in by:
        summary["cost_1m_over_100k"] = round(
            by["safesim_1m"]["steps_s"] / by["safesim_100k"]["steps_s"], 2
        )
    full = by.get("guiyang_full")
    if not quick and full:
        summary["targets"] = {
            "guiyang_total_s_le_10": full["total_s"] <= TARGET_GUIYANG_SECONDS,
            "guiyang_peak_mb_le_1024": full["peak_rss_mb"] <= TARGET_GUIYANG_PEAK_MB,
            "speedup_100k_ge_100": summary.get("speedup_vs_mesa_reference_100k", 0)
            >= TARGET_SPEEDUP_AT_100K,
            "cost_1m_over_100k_le_12": summary.get("cost_1m_over_100k", float("inf"))
            <= TARGET_MILLION_COST_RATIO,
        }
    return summary


def environment() -> dict[str, Any]:
    versions = {"python": platform.python_version()}
    for package in ("safesim", "mesa", "numpy", "scipy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "created_unix": int(time.time()),
    }


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        "| run | households | days | build + burn-in s | steps s | total s "
        "| household-days/s | peak RSS MB | note |"
    )
    lines = [header, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['households']:,} | {r['days']} | {r['construct_s']:.2f} "
            f"| {r['steps_s']:.2f} | {r['total_s']:.2f} | {r['household_days_per_s']:,} "
            f"| {r['peak_rss_mb']:.0f} | {r['note']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster version")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the figures")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument(
        "--day-against", metavar="REF", help="time a Guiyang day now and at git commit REF"
    )
    parser.add_argument("--days", type=int, default=30, help="days timed by --day-against")
    parser.add_argument("--rounds", type=int, default=3, help="alternations for --day-against")
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    if args.day_against:
        print(json.dumps(day_against(args.day_against, args.days, args.rounds), indent=2))
        return

    info = environment()
    rows = []
    for m in plan(args.quick):
        print(f"  {m.label} ({m.days} days) ...", file=sys.stderr, flush=True)
        rows.append(run_measurement(m))
    summary = summarise(rows, args.quick)

    args.out.mkdir(parents=True, exist_ok=True)
    report = {"quick": args.quick, "environment": info, "runs": rows, "summary": summary}
    (args.out / "benchmark.json").write_text(json.dumps(report, indent=2) + "\n")
    with (args.out / "benchmark.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    print(table(rows))
    print()
    for key, value in summary.items():
        print(f"{key}: {value}")
    print(f"\nwrote {args.out / 'benchmark.json'} and {args.out / 'benchmark.csv'}")


if __name__ == "__main__":
    main()
