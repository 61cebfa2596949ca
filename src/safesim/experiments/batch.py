"""The batch engine under sweeps and screenings: tasks, a journal, executors, progress.

A batch is a list of ``RunTask`` (plain data: a scenario, a seed, days, parameters). Each
finished run is written at once, atomically, to a journal (one small JSON file per run in
``<out>/.runs/``), so an interrupted batch loses at most the runs in flight and the same
command continues it. Runs go to one process, a spawn-context process pool or a Dask
cluster; records come back in completion order and the callers sort them, so the files
they write are the same whatever the executor. A task runs through ``execute_run`` unless
the executor is given another top-level function of a ``RunTask`` (the calibration runs a
mix and its twin per task). ``locked_journal`` checks everything that
can be refused before writing and holds the results folder's lock while the batch runs.

**Examples**::

    with locked_journal(out_dir, identity, False, 2, None, final_files) as (journal, ex):
        records, ran_now, wall = run_tasks_with_progress(tasks, journal, ex, "my-batch")
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from safesim.core.outcomes import campaign_targets, summarise
from safesim.core.parameters import MechanismParameters, resolve
from safesim.core.scenario import Scenario
from safesim.errors import SafesimError
from safesim.experiments.results import atomic_write_text, folder_lock, json_safe
from safesim.experiments.runner import run_once, run_paired

Number = int | float

#: How long to wait for a Dask scheduler before giving up (seconds).
DASK_CONNECT_TIMEOUT = 5
#: The per-run count of crimes in the campaign window, used for crimes averted and cost.
CAMPAIGN_CRIMES = "campaign_crimes"
JOURNAL_DIR = ".runs"
PLAN_FILE = "plan.json"


class SweepError(SafesimError, ValueError):
    """Bad batch input or state; the message is one line naming the axis, file or address."""


class WorkerLost(RuntimeError):
    """A worker process or Dask worker died under a run; the runs recorded so far are kept."""


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run; plain data so it pickles to any process or host."""

    key: str
    scenario: dict[str, Any]
    seed: int
    days: int | None
    parameters: dict[str, Number] | None = None
    # A parameter draw: under the scenario's own `parameters:`, as a fit is
    # (`parameters.resolve`), where `parameters` above (a sweep or screening point) wins.
    fitted: dict[str, Number] | None = None


# --------------------------------------------------------------------------- one run


def outcome_names(scenario: Scenario) -> list[str]:
    """The figures ``summarise`` gives for this scenario, in its order (no run needed)."""
    end = pd.DataFrame({"date": [scenario.calendar.end.isoformat()]})
    names = [t.name for t in scenario.targets]
    names += [t.name for t in campaign_targets(scenario, end)]
    return [*names, "weighted_displacement_quotient"]


def recorded_outcomes(scenario: Scenario, records: dict[str, dict[str, Any]]) -> list[str]:
    """``outcome_names`` followed by any other figure the recorded runs hold (in key order),
    so a figure ``summarise`` gains later is never dropped from the tables."""
    names = outcome_names(scenario)
    seen = {*names, CAMPAIGN_CRIMES}
    for key in sorted(records):
        for name in records[key].get("outcomes", {}):
            if name not in seen:
                names.append(name)
                seen.add(name)
    return names


def campaign_window(scenario: Scenario, days: int | None) -> tuple[date, date]:
    """The campaign window that ``campaign_targets`` uses for a run of ``days`` days."""
    cal = scenario.calendar
    last = cal.end if days is None else cal.start + timedelta(days=days - 1)
    start = cal.campaign_start.value
    return start, min(start + timedelta(days=364), last)


def campaign_warning(scenario: Scenario, days: int | None) -> str | None:
    """A warning when runs of ``days`` days end before the campaign starts."""
    start, end = campaign_window(scenario, days)
    if end >= start:
        return None
    return (
        f"runs of {days} days end on {end}, before the campaign starts on {start}: "
        "the campaign figures will be empty"
    )


def short_campaign_warning(scenario: Scenario, days: int | None) -> str | None:
    """A warning when ``--days`` cuts the campaign's first year short (but not to nothing):
    campaign figures then cover only the days the runs hold."""
    if days is None:
        return None
    start, end = campaign_window(scenario, days)
    _, full_end = campaign_window(scenario, None)
    if end < start or end >= full_end:
        return None
    held = (end - start).days + 1
    full = (full_end - start).days + 1
    return (
        f"runs of {days} days hold {held} of the campaign's {full} days (from {start}): "
        "the campaign figures cover those days only"
    )


def _campaign_crimes(scenario: Scenario, daily: pd.DataFrame, days: int | None) -> float:
    start, end = campaign_window(scenario, days)
    if end < start:
        return float("nan")
    dates = daily["date"]
    inside = (dates >= start.isoformat()) & (dates <= end.isoformat())
    return float(daily.loc[inside, "criminal_total"].sum())


#: A task's function: top-level, so process pools (spawn) and Dask workers can call it.
TaskFunction = Callable[[RunTask], dict[str, Any]]


@lru_cache(maxsize=8)
def _validated(text: str) -> Scenario:
    return Scenario.model_validate(json.loads(text))


def task_scenario(data: dict[str, Any]) -> Scenario:
    """The task's scenario, validated once per worker process (a batch sends the same few
    scenarios again and again; a worker keeps the last ones it built)."""
    return _validated(json.dumps(data, sort_keys=True))


def task_parameters(scenario: Scenario, task: RunTask) -> MechanismParameters | None:
    """The task's mechanism parameters: its draw under the scenario's own, its point over
    both; None (the scenario's own) when it gives neither."""
    if task.parameters is None and task.fitted is None:
        return None
    return resolve(scenario, fitted=task.fitted, overrides=task.parameters)


def run_task(task: RunTask) -> tuple[Scenario, pd.DataFrame]:
    """The task's scenario and the daily table of its one run."""
    scenario = task_scenario(task.scenario)
    return scenario, run_once(scenario, task.seed, task.days, task_parameters(scenario, task))


def failure(exc: Exception) -> str:
    """A run's exception as the one line its record keeps."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def execute_run(task: RunTask) -> dict[str, Any]:
    """Run one task and return its journal record; an exception is recorded, not raised.

    Top-level and free of shared state so process pools (spawn) and Dask workers can call it.
    """
    started = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "seed": task.seed}
    try:
        scenario, daily = run_task(task)
        figures = summarise(scenario, [daily])
        outcomes = {
            str(o): float(v) for o, v in zip(figures["outcome"], figures["sim_mean"], strict=True)
        }
        outcomes[CAMPAIGN_CRIMES] = _campaign_crimes(scenario, daily, task.days)
        record.update(status="ok", error="", outcomes=outcomes)
    except Exception as exc:  # a failed run is a result: the sweep records it and goes on
        record.update(status="failed", error=failure(exc), outcomes={})
    record["wall_seconds"] = round(time.perf_counter() - started, 3)
    return record


def execute_pair(task: RunTask) -> dict[str, Any]:
    """Run one task as a mix and its same-seed counterfactual twin (``runner.run_paired``:
    one shared burn-in) and return the record of both sides' figures (``mix`` and
    ``twin``, as ``execute_run`` gives its ``outcomes``); an exception is recorded."""
    started = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "seed": task.seed}
    try:
        scenario = task_scenario(task.scenario)
        parameters = task_parameters(scenario, task)
        mix, twin = run_paired(scenario, task.seed, 1, task.days, parameters)
        sides = {}
        for side, daily in (("mix", mix[0]), ("twin", twin[0])):
            figures = summarise(scenario, [daily])
            sides[side] = {
                str(o): float(v)
                for o, v in zip(figures["outcome"], figures["sim_mean"], strict=True)
            }
            sides[side][CAMPAIGN_CRIMES] = _campaign_crimes(scenario, daily, task.days)
        record.update(status="ok", error="", **sides)
    except Exception as exc:  # a failed run is a result, as in execute_run
        record.update(status="failed", error=failure(exc), mix={}, twin={})
    record["wall_seconds"] = round(time.perf_counter() - started, 3)
    return record


# --------------------------------------------------------------------------- journal


# The figures a record holds: a run's ``outcomes`` (``execute_run``), or a calibration
# pair's ``mix`` and ``twin`` (``execute_pair``, ``calibration.citymodel.execute_paired``).
RECORD_FIGURES = (("outcomes",), ("mix", "twin"))


def _is_record(record: Any) -> bool:
    """Whether journal data has the shape of a finished run's record."""
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        return False
    if record.get("status") not in ("ok", "failed") or not isinstance(record.get("seed"), int):
        return False
    for fields in RECORD_FIGURES:
        tables = [record.get(name) for name in fields]
        if all(isinstance(table, dict) for table in tables):
            return all(
                (isinstance(v, int | float) and not isinstance(v, bool)) or v is None
                for table in tables
                for v in table.values()
            )
    return False


#: The field of a journal record holding the sha256 of the rest of it.
RECORD_HASH = "sha256"


def record_digest(record: dict[str, Any]) -> str:
    """The sha256 of a record's content (without its own hash), key order aside."""
    text = json.dumps(record, sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Journal:
    """One JSON file per finished run under ``<out>/.runs/``, each written atomically.

    ``plan.json`` holds the identity of the sweep the journal belongs to; a journal of a
    different sweep is never mixed with this one. Each record carries the sha256 of its
    content: an edited or damaged record, well-formed or not, is run again, never used.
    """

    def __init__(self, out_dir: Path, identity: dict[str, Any]):
        self.out_dir = out_dir
        self.dir = out_dir / JOURNAL_DIR
        self.identity = identity

    def _stored_identity(self) -> dict[str, Any] | None:
        plan = self.dir / PLAN_FILE
        if not plan.exists():
            return None
        try:
            stored = json.loads(plan.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {"unreadable": True}
        return stored if isinstance(stored, dict) else {"unreadable": True}

    def check(self, restart: bool) -> None:
        """Refuse to continue a journal of another sweep (read-only: writes nothing)."""
        if restart:
            return
        stored = self._stored_identity()
        if stored is None or stored == self.identity:
            return
        differ = sorted(k for k in self.identity if stored.get(k) != self.identity.get(k))
        what = ", ".join(differ) if differ else "its plan"
        raise SweepError(
            f"{self.out_dir} holds a different run ({what} differ); use a different "
            "--out or --name, or --restart to discard it"
        )

    def open(self, restart: bool, final_files: Iterable[str]) -> None:
        if restart:
            shutil.rmtree(self.dir, ignore_errors=True)
            for name in final_files:
                (self.out_dir / name).unlink(missing_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.dir.glob(".*.tmp"):  # from a process killed mid-write
            leftover.unlink(missing_ok=True)
        if self._stored_identity() != self.identity:
            atomic_write_text(
                self.dir / PLAN_FILE, json.dumps(self.identity, indent=2, sort_keys=True) + "\n"
            )

    def records(self) -> dict[str, dict[str, Any]]:
        out = {}
        for path in sorted(self.dir.glob("*.json")):
            if path.name == PLAN_FILE:
                continue
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                continue  # unreadable: the run is simply done again
            if not isinstance(record, dict):
                continue
            stored = record.pop(RECORD_HASH, None)
            try:
                intact = stored == record_digest(record)
            except (ValueError, TypeError):  # NaN or a non-JSON number: not written here
                intact = False
            # A record of another run under this name is not this run's.
            if intact and _is_record(record) and path.name == f"{record['key']}.json":
                out[record["key"]] = record
        return out

    def write(self, record: dict[str, Any]) -> None:
        # NaN is not JSON: a figure without a value is recorded as null.
        content = json_safe({k: v for k, v in record.items() if k != RECORD_HASH})
        text = json.dumps({**content, RECORD_HASH: record_digest(content)}, allow_nan=False)
        atomic_write_text(self.dir / f"{record['key']}.json", text + "\n")

    def discard(self, key: str) -> None:
        """Forget a run, so the next command runs it again."""
        (self.dir / f"{key}.json").unlink(missing_ok=True)


# --------------------------------------------------------------------------- executors


class Executor(Protocol):
    """Runs tasks and yields their records in completion order."""

    description: str

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    description = "1 worker"

    def __init__(self, function: TaskFunction = execute_run):
        self.function = function

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]:
        for task in tasks:
            yield self.function(task)

    def close(self) -> None:
        pass


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(parent: int) -> None:
    """Set up a pool worker: leave Ctrl-C to the parent, and exit when the parent dies.

    Ctrl-C goes to the whole process group; the parent decides what to do with it. A
    parent killed outright (SIGKILL) cannot stop its workers, and they would otherwise
    wait for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


class ProcessExecutor:
    """A spawn-context process pool (same behaviour on every platform, no forked threads).

    The pool lives as long as the executor: a caller running several batches in turn (the
    calibration's waves) starts its workers, and imports the model in them, once.
    """

    def __init__(self, workers: int, function: TaskFunction = execute_run):
        self.workers = workers
        self.function = function
        self.description = f"{workers} worker processes"
        self.pool: ProcessPoolExecutor | None = None
        self.before: set[Any] = set()

    def _start(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # The processes alive before the pool are not its workers (close stops those).
            self.before = set(multiprocessing.active_children())
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self.pool

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]:
        pool = self._start()
        pending: set[Future[dict[str, Any]]] = {pool.submit(self.function, t) for t in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        record = future.result()
                    except BrokenProcessPool as exc:
                        raise WorkerLost(f"a worker process died ({exc})") from None
                    yield record
        except BaseException:
            self.close()  # an interrupt or a lost worker: the runs in flight are abandoned
            raise

    def close(self) -> None:
        if self.pool is None:
            return
        # Runs in flight are abandoned on an interrupt: stop the workers instead of
        # waiting for them. The pool's workers are the children started since the pool
        # (``multiprocessing.active_children``; the pool itself offers no way to stop them).
        self.pool.shutdown(wait=False, cancel_futures=True)
        processes = [p for p in multiprocessing.active_children() if p not in self.before]
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        self.pool = None


class DaskExecutor:
    """Runs tasks on a Dask distributed cluster: ``local`` starts a LocalCluster."""

    def __init__(self, address: str, workers: int, function: TaskFunction = execute_run):
        self.address = address
        self.function = function
        self.cluster: Any = None
        self.client: Any = None
        self.connect(workers)

    def connect(self, workers: int) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("--dask needs dask[distributed] installed") from None
        if self.address == "local":
            import dask

            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off
            # glibc's adaptive mmap threshold: every large NumPy array is then mapped and
            # unmapped afresh, and a city-year runs 3-4x slower in system time.
            dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,
            )
            self.client = Client(self.cluster)
            self.description = f"Dask LocalCluster of {workers} workers"
            return
        try:
            self.client = Client(self.address, timeout=DASK_CONNECT_TIMEOUT)
        except Exception as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise SweepError(
                f"cannot reach the Dask scheduler at {self.address}: {reason}"
            ) from None
        workers_seen = len(self.client.scheduler_info().get("workers", {}))
        self.description = f"Dask scheduler {self.address} ({workers_seen} workers)"

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        # pure=False: two identical tasks (never the case here) would still both run.
        futures = self.client.map(self.function, list(tasks), pure=False)
        for future in as_completed(futures):
            try:
                # The task function records the model's own errors; what arrives here is
                # the cluster's (a worker killed too often, a lost connection).
                record = future.result()
            except Exception as exc:
                reason = " ".join(f"{type(exc).__name__}: {exc}".split())
                raise WorkerLost(f"the Dask cluster lost a run ({reason})") from None
            yield record

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


def make_executor(workers: int, dask: str | None, function: TaskFunction = execute_run) -> Executor:
    """Connects to Dask at once so an unreachable scheduler fails before anything is written."""
    if dask:
        return DaskExecutor(dask, workers, function)
    if workers > 1:
        return ProcessExecutor(workers, function)
    return SerialExecutor(function)


def run_journaled(
    tasks: Sequence[RunTask],
    journal: Journal,
    executor: Executor,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    keep_open: bool = False,
) -> dict[str, dict[str, Any]]:
    """Run the tasks the journal has not got, recording each as it finishes.

    On Ctrl-C the executor is stopped and ``KeyboardInterrupt`` propagates; every run
    recorded so far stays in the journal. With ``keep_open`` the executor stays up for the
    caller's next batch (``locked_journal`` closes it at the end).
    """
    records = journal.records()
    todo = [t for t in tasks if t.key not in records]
    try:
        for record in executor.run(todo):
            journal.write(record)
            records[record["key"]] = record
            if on_record is not None:
                on_record(record)
    except BaseException:
        executor.close()
        raise
    if not keep_open:
        executor.close()
    return records


# --------------------------------------------------------------------------- driving


def prepare_output(out_dir: Path, identity: dict[str, Any], restart: bool) -> Journal:
    """Check (without writing) that ``out_dir`` can take this run."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SweepError(f"{out_dir} exists and is not a folder")
    journal = Journal(out_dir, identity)
    journal.check(restart)
    return journal


@contextmanager
def locked_journal(
    out_dir: Path,
    identity: dict[str, Any],
    restart: bool,
    workers: int,
    dask: str | None,
    final_files: Sequence[str],
    function: TaskFunction = execute_run,
) -> Iterator[tuple[Journal, Executor]]:
    """Check the journal and reach the executor before anything is written; then, holding
    the folder's lock for the whole block, check the journal again (another command may
    have started meanwhile) and open it. The executor runs ``function`` on each task and
    is closed at the end of the block, or if opening fails."""
    journal = prepare_output(out_dir, identity, restart)
    executor = make_executor(workers, dask, function)
    try:
        with folder_lock(out_dir):
            journal.check(restart)
            journal.open(restart, final_files)
            yield journal, executor
    finally:
        executor.close()


def run_tasks_with_progress(
    tasks: Sequence[RunTask],
    journal: Journal,
    executor: Executor,
    desc: str,
    keep_open: bool = False,
) -> tuple[dict[str, dict[str, Any]], int, float]:
    """Run what the journal lacks under a tqdm bar (runs, ETA, failures); returns the
    records, how many ran now and the wall time. ``keep_open``: see ``run_journaled``."""
    from tqdm import tqdm

    done = journal.records()
    failed = sum(1 for r in done.values() if r.get("status") == "failed")
    wanted = {t.key for t in tasks}
    already = len(wanted & done.keys())
    counts = {"now": 0, "failed": failed}
    started = time.perf_counter()
    with tqdm(total=len(tasks), initial=already, unit="run", desc=desc, disable=None) as bar:
        bar.set_postfix(failed=failed)

        def on_record(record: dict[str, Any]) -> None:
            counts["now"] += 1
            if record["status"] == "failed":
                counts["failed"] += 1
                bar.set_postfix(failed=counts["failed"])
            bar.update(1)

        records = run_journaled(tasks, journal, executor, on_record, keep_open)
    return records, counts["now"], time.perf_counter() - started
