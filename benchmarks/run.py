"""Benchmark safesim against its floor and against the landed engine, side by side.

Run from the repository root::

    python benchmarks/run.py              # the full benchmark (several minutes)
    python benchmarks/run.py --quick      # 30 days, 2 repeats, no million-household city

Every figure is measured for two engines in one run: this checkout ("now") and the
engine of commit ``LANDED`` ("landed", or ``--landed COMMIT``; extracted with ``git
archive`` into a cache folder and imported from there through ``PYTHONPATH``), on the
same scenario file. The repeats
are interleaved (landed, now, landed, now, ...) so that a change in the machine's load
falls on both alike; each figure is the median over repeats with its range. Every time in
seconds is also given as a multiple of the floor (``benchmarks/floor.py``: only the random
numbers a Guiyang day draws, for the same number of days, measured in the same repeats),
and "now" as a multiple of "landed".

A third engine, the array-only engine of commit ``ARRAY_ONLY`` (before patrol teams, grid
workers and cameras became Mesa agents; ``--array-only COMMIT``), runs only the Guiyang
year in each repeat, beside the other two: "a Guiyang day / array-only engine" is, repeat
by repeat, this checkout's steps over its steps.
The machine's load average is recorded before and after: on a shared machine absolute
seconds move with it, the ratios much less.

Each measurement is a fresh Python process; its peak memory is that process's
``ru_maxrss`` (interpreter and libraries included). Figures go to
``results/benchmarks/benchmark.json`` and ``benchmark.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GUIYANG = ROOT / "scenarios" / "guiyang.yaml"
OUT_DIR = ROOT / "results" / "benchmarks"
LANDED = "6415839"
ARRAY_ONLY = "15016d6"
LANDED_CACHE = Path(tempfile.gettempdir()) / "safesim-benchmark-engines"
YEAR = 365
MILLION = 1_000_000
ENGINES = ("landed", "now")
CLI_RUN = ["run", str(GUIYANG), "--days", str(YEAR), "--replicates", "1", "--no-counterfactual"]


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ----------------------------------------------------------------------------- workers
# Each runs in a fresh process of one engine and prints one JSON line last.
def work_year(days: int, households: int | None) -> dict[str, Any]:
    """A Guiyang campaign year (campaign from the first recorded day, so every
    intervention is at work in the timed days) and its counterfactual twin."""
    from safesim.core.model import SafetyModel
    from safesim.core.scenario import load_scenario
    from safesim.experiments.scaling import scale_scenario

    scenario = load_scenario(GUIYANG)
    if households is not None:
        scenario = scale_scenario(scenario, households)
    scenario = scenario.with_values({"calendar.campaign_start": scenario.calendar.start})
    started = time.perf_counter()
    model = SafetyModel(scenario, seed=scenario.seed, days=days)
    built = time.perf_counter()
    twin = model.counterfactual_twin() if households is None else None
    forked = time.perf_counter()
    model.run()
    stepped = time.perf_counter()
    result: dict[str, Any] = {
        "households": model.households.n,
        "build_burn_in_s": built - started,
        "steps_s": stepped - forked,
    }
    if twin is not None:
        twin.run()
        result["twin_fork_s"] = forked - built
        result["twin_steps_s"] = time.perf_counter() - stepped
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def work_cli(args: list[str], out: str) -> dict[str, Any]:
    from safesim.ui.cli import main

    sys.argv = ["safesim", *args] + (["--out", out] if args[:1] == ["run"] else [])
    code: Any = 0
    try:
        main()
    except SystemExit as done:
        code = done.code
    return {"exit": code, "peak_rss_mb": peak_rss_mb()}


def work_floor(days: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from floor import floor_seconds

    return {"floor_s": floor_seconds(days)}


def worker(spec: dict[str, Any]) -> None:
    kind = spec["kind"]
    if kind == "year":
        result = work_year(spec["days"], spec.get("households"))
    elif kind == "cli":
        result = work_cli(spec["args"], spec["out"])
    else:
        result = work_floor(spec["days"])
    sys.stdout.flush()
    print("\n" + json.dumps(result))


# ----------------------------------------------------------------------------- engines
def landed_source(landed: str = LANDED) -> Path:
    """The landed commit's ``src`` folder, extracted once into a cache."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", landed],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = LANDED_CACHE / commit
    if not (folder / "src" / "safesim" / "__init__.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"],
            capture_output=True,
            check=True,
        ).stdout
        with tempfile.TemporaryFile() as handle:
            handle.write(archive)
            handle.seek(0)
            with tarfile.open(fileobj=handle) as tar:
                tar.extractall(folder, filter="data")
    return folder / "src"


def engine_env(engine: str, sources: dict[str, Path]) -> dict[str, str]:
    # PYTHONPATH comes before the editable install's finder, so `import safesim` gets
    # the engine named here.
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(sources[engine])}
    env.pop("PYTHONSTARTUP", None)
    return env


# What the ``safesim`` console script runs, so a help's time is the command's own and not
# this file's imports.
CONSOLE_SCRIPT = "import sys; from safesim.ui.cli import main; sys.argv[0] = 'safesim'; main()"


def time_help(args: list[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of ``safesim ARGS`` (a help: it writes nothing)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CONSOLE_SCRIPT, *args],
        capture_output=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return time.perf_counter() - started


def launch(spec: dict[str, Any], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Run one worker; its wall-clock seconds (process start to exit) and its result."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{spec}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # "s", "x" or "MB"; every "s" figure is also given as a multiple of the floor
    target: float | None  # an upper bound, or None
    floor_target: float | None = None  # an upper bound on its multiple of the floor


FIGURES = [
    Figure("help_s", "`safesim --help`", "s", 0.3),
    Figure("run_help_s", "`safesim run --help`", "s", 0.3),
    Figure(
        "cli_run_s", "`safesim run guiyang --days 365 --replicates 1 --no-counterfactual`", "s", 4.0
    ),
    Figure("build_burn_in_s", "Guiyang build + 180-day burn-in", "s", 2.0),
    Figure("steps_s", "Guiyang campaign year, steps", "s", 1.0, floor_target=4.0),
    Figure(
        "twin_ratio",
        "(build + year + fork + twin's year) / (build + year): what the twin adds",
        "x",
        1.4,
    ),
    Figure("cli_run_peak_mb", "peak memory of the CLI command", "MB", 250.0),
    Figure("twin_peak_mb", "peak memory of a year with its twin", "MB", 250.0),
    Figure("million_per_household", "1M households / Guiyang, steps per household", "x", 1.3),
    Figure(
        "array_only_ratio",
        "a Guiyang day / the array-only engine's, same repeat (issue 19)",
        "x",
        1.15,
    ),
]


def one_repeat(
    engine: str,
    env: dict[str, str],
    days: int,
    million: bool,
    out: str,
) -> dict[str, float]:
    got: dict[str, float] = {}
    got["help_s"] = time_help(["--help"], env)
    got["run_help_s"] = time_help(["run", "--help"], env)
    cli_args = [*CLI_RUN]
    cli_args[cli_args.index("--days") + 1] = str(days)
    got["cli_run_s"], cli = launch({"kind": "cli", "args": cli_args, "out": out}, env)
    if cli["exit"] not in (0, None):
        raise RuntimeError(f"{engine}: safesim run exited {cli['exit']}")
    got["cli_run_peak_mb"] = cli["peak_rss_mb"]
    _, year = launch({"kind": "year", "days": days}, env)
    got["build_burn_in_s"] = year["build_burn_in_s"]
    got["steps_s"] = year["steps_s"]
    single = year["build_burn_in_s"] + year["steps_s"]
    got["twin_ratio"] = (single + year["twin_fork_s"] + year["twin_steps_s"]) / single
    got["twin_peak_mb"] = year["peak_rss_mb"]
    if million:
        _, big = launch({"kind": "year", "days": days, "households": MILLION}, env)
        got["million_per_household"] = (big["steps_s"] / big["households"]) / (
            year["steps_s"] / year["households"]
        )
    return got


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "low": min(values), "high": max(values)}


def ratios(raw: dict[str, list[dict[str, float]]], floors: list[float]) -> dict[str, Any]:
    """Per repeat, "now" over "landed" and each engine's seconds over that repeat's floor;
    their median and range (a ratio of medians would mix repeats at different loads)."""
    out: dict[str, Any] = {"now_over_landed": {}, "over_floor": {"landed": {}, "now": {}}}
    for fig in FIGURES:
        if fig.key not in raw["now"][0]:
            continue
        pairs = zip(raw["now"], raw["landed"], strict=True)
        out["now_over_landed"][fig.key] = summary([n[fig.key] / ld[fig.key] for n, ld in pairs])
        if fig.unit == "s":
            for engine in ENGINES:
                values = [r[fig.key] / f for r, f in zip(raw[engine], floors, strict=True)]
                out["over_floor"][engine][fig.key] = summary(values)
    return out


SUFFIX = {"MB": " MB", "x": "×", "s": " s"}


def number(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value:.0f}"
    return f"{value:.3f}" if unit == "s" and value < 1.0 else f"{value:.2f}"


def fmt(value: float, unit: str) -> str:
    return number(value, unit) + SUFFIX[unit]


def fmt_range(s: dict[str, float], unit: str) -> str:
    low, high = number(s["low"], unit), number(s["high"], unit)
    return f"{fmt(s['median'], unit)} ({low}–{high})"


def fmt_ratio(s: dict[str, float] | None, digits: int = 2) -> str:
    if s is None:
        return ""
    return f"{s['median']:.{digits}f}× ({s['low']:.{digits}f}–{s['high']:.{digits}f})"


def table(results: dict[str, Any], floor: dict[str, float], days: int, rel: dict[str, Any]) -> str:
    lines = [
        "| figure | target | landed | now | now / landed | landed / floor | now / floor | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fig in FIGURES:
        if fig.key not in results["now"]:
            continue
        landed, now = results["landed"][fig.key], results["now"][fig.key]
        met = now["median"] <= fig.target if fig.target is not None else None
        target = f"≤ {fmt(fig.target, fig.unit)}" if fig.target is not None else ""
        over_floor = [rel["over_floor"][engine].get(fig.key) for engine in ENGINES]
        digits = 1 if fig.unit == "s" else 2
        if fig.floor_target is not None:
            met = met and over_floor[1]["median"] <= fig.floor_target
            target += f", ≤ {fig.floor_target:.0f}× floor"
        lines.append(
            f"| {fig.label} | {target} | {fmt_range(landed, fig.unit)} "
            f"| {fmt_range(now, fig.unit)} | {fmt_ratio(rel['now_over_landed'][fig.key])} "
            f"| {fmt_ratio(over_floor[0], digits)} | {fmt_ratio(over_floor[1], digits)} "
            f"| {'yes' if met else 'no'} |"
        )
    lines.append(
        f"| floor: the random numbers of {days} Guiyang days | | | {fmt_range(floor, 's')} "
        "| | | | |"
    )
    return "\n".join(lines)


def environment(landed: str = LANDED) -> dict[str, Any]:
    versions = {"python": platform.python_version()}
    for package in ("mesa", "numpy", "scipy", "pandas"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "now_commit": head,
        "landed_commit": landed,
        "versions": versions,
        "created_unix": int(time.time()),
    }


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 days, 2 repeats, no 1M city")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repeats (3)")
    parser.add_argument("--days", type=int, default=None, help="timed days (365)")
    parser.add_argument("--no-million", action="store_true", help="skip the 1M-household city")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the figures")
    parser.add_argument("--landed", default=LANDED, help=f"the engine to compare ({LANDED})")
    parser.add_argument(
        "--array-only", default=ARRAY_ONLY, help=f"the array-only engine ({ARRAY_ONLY})"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return

    days = args.days or (30 if args.quick else YEAR)
    repeats = args.repeats or (2 if args.quick else 3)
    million = not (args.quick or args.no_million)
    sources = {
        "landed": landed_source(args.landed),
        "now": ROOT / "src",
        "array_only": landed_source(args.array_only),
    }
    envs = {engine: engine_env(engine, sources) for engine in (*ENGINES, "array_only")}
    info = environment(args.landed)
    info["array_only_commit"] = args.array_only
    info["load_average_at_start"] = load()
    raw: dict[str, list[dict[str, float]]] = {engine: [] for engine in ENGINES}
    floors: list[float] = []
    array_only: list[float] = []
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory() as out:
        for repeat in range(repeats):
            order = ENGINES if repeat % 2 == 0 else ENGINES[::-1]
            say(f"  repeat {repeat + 1}/{repeats}: array-only year (load {load()[0]}) ...")
            _, year = launch({"kind": "year", "days": days}, envs["array_only"])
            array_only.append(year["steps_s"])
            for engine in order:
                say(f"  repeat {repeat + 1}/{repeats}: {engine} (load {load()[0]}) ...")
                got = one_repeat(engine, envs[engine], days, million, out)
                raw[engine].append(got)
            _, floor = launch({"kind": "floor", "days": days}, envs["now"])
            floors.append(floor["floor_s"])
            for engine in ENGINES:
                raw[engine][-1]["array_only_ratio"] = raw[engine][-1]["steps_s"] / array_only[-1]
    info["load_average_at_end"] = load()
    results = {
        engine: {key: summary([r[key] for r in raw[engine]]) for key in raw[engine][0]}
        for engine in ENGINES
    }
    floor_summary = summary(floors)
    rel = ratios(raw, floors)
    text = table(results, floor_summary, days, rel)
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "days": days,
        "repeats": repeats,
        "environment": info,
        "floor_s": floor_summary,
        "array_only_steps_s": summary(array_only),
        "figures": results,
        "ratios": rel,
        "raw": raw,
        "floors": floors,
        "array_only_steps": array_only,
    }
    (args.out / "benchmark.json").write_text(json.dumps(report, indent=2) + "\n")
    heading = (
        f"{repeats} interleaved repeats, {days} days; load average "
        f"{info['load_average_at_start']} at start, {info['load_average_at_end']} at end "
        f"on {info['cpus']} CPUs; now = {info['now_commit']}, landed = {args.landed}, "
        f"array-only = {args.array_only} (its year {fmt_range(summary(array_only), 's')}); "
        "median (range); ratios are taken repeat by repeat"
    )
    (args.out / "benchmark.md").write_text(heading + "\n\n" + text + "\n")
    print(heading)
    print()
    print(text)
    print(f"\nwrote {args.out / 'benchmark.json'} and {args.out / 'benchmark.md'}")


if __name__ == "__main__":
    main()
