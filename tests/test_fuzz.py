"""Mutated scenario and sweep files through the command line: a clean answer or one line.

Every shipped scenario and sweep file is mutated (keys deleted or added or given twice,
types swapped, numbers made huge, negative, infinite or NaN, integers too big for a float,
dates made impossible or extreme or given a time of day, deep nesting, alias bombs, broken
encodings, truncation) and run in-process with tiny ``--days``. Each mutant must end with
exit 0, or exit 2 and one ``error:`` line naming the file; never a traceback; nothing
written on failure, nothing written outside ``--out``.

The readers are fuzzed the same way: a results folder made by
``run`` is damaged (its manifest's values, its CSVs' cells and shapes, files missing,
symlinks planted for its figures) and given to ``plot``, ``brief`` and ``viz``; a sweep's
journal is damaged and the sweep resumed; symlinks are planted in ``--out`` where a
command writes (``OUT/NAME``, the lock file, the journal folder).

The default run checks a fast subset; ``-m slow`` runs more than 2,000 mutants.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import safesim.experiments.limits
from safesim.ui.cli import main

from .conftest import one_line_or_ok, reseal, snapshot

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
SWEEP_FILES = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))

Mutation = Callable[[random.Random, str], bytes]


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.append((*prefix, i))
            out.extend(_paths(value, (*prefix, i)))
    return out


def _leaf_paths(data: Any) -> list[tuple[Any, ...]]:
    return [p for p in _paths(data) if not isinstance(_get(data, p), dict | list)]


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _data_mutation(change: Callable[[random.Random, Any], None]) -> Mutation:
    def mutate(rng: random.Random, text: str) -> bytes:
        data = yaml.safe_load(text)
        change(rng, data)
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")

    return mutate


def _delete(rng: random.Random, data: Any) -> None:
    path = rng.choice(_paths(data))
    parent = _get(data, path[:-1])
    del parent[path[-1]]


WEIRD_VALUES: list[Any] = [
    "12", " 5", "yes", "NO", "on", True, None, [], {}, [1, 2], {"value": 1},
    -1, -1e9, 0, 1e30, 1e308, 10**20, float("inf"), float("-inf"), float("nan"),
    2.5, "", "x" * 300, "../..", "2013-02-30", 1_000_000, 100_000_000, 0.0,
]  # fmt: skip


def _swap(rng: random.Random, data: Any) -> None:
    path = rng.choice(_leaf_paths(data))
    _set(data, path, copy.deepcopy(rng.choice(WEIRD_VALUES)))


def _unknown_key(rng: random.Random, data: Any) -> None:
    mappings = [p for p in _paths(data) if isinstance(_get(data, p), dict)]
    target = _get(data, rng.choice(mappings)) if mappings and rng.random() < 0.8 else data
    target[rng.choice(["colour", "valeu", "offender", "extra"])] = rng.choice(WEIRD_VALUES)


def _number_edge(rng: random.Random, data: Any) -> None:
    numbers = [p for p in _leaf_paths(data) if isinstance(_get(data, p), int | float)]
    if not numbers:
        return _swap(rng, data)
    value = rng.choice([-1, -0.5, 0, 1e30, 1e308, 10**18, 3650, 3651, 1e7, 1e9, 2**63,
                        float("inf"), float("nan"), 0.5])  # fmt: skip
    _set(data, rng.choice(numbers), value)
    return None


def _huge_integer(rng: random.Random, data: Any) -> None:
    """An integer too big for a float (or for int() of a string) where a number is, or
    anywhere else (a name, a date, a list's item)."""
    numbers = [p for p in _leaf_paths(data) if isinstance(_get(data, p), int | float)]
    if not numbers or rng.random() < 0.3:
        numbers = _leaf_paths(data)
    digits = rng.choice([13, 309, 400, 4000])
    _set(data, rng.choice(numbers), rng.choice([1, -1]) * 10**digits)
    return None


def _text_mutation(change: Callable[[random.Random, str], str]) -> Mutation:
    return lambda rng, text: change(rng, text).encode("utf-8")


def _duplicate_line(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    i = rng.choice(keyed)
    return "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]) + "\n"


def _bad_date(rng: random.Random, text: str) -> str:
    import re

    dates = list(re.finditer(r"\d{4}-\d{2}-\d{2}", text))
    if not dates:
        return text + "\nwhen: 2013-02-30\n"
    match = rng.choice(dates)
    new = rng.choice(["2013-02-30", "9999-12-31", "0001-01-01", "2013-13-01", "2013-00-10",
                      "1899-12-31", "2101-01-01", "2013-02-29"])  # fmt: skip
    return text[: match.start()] + new + text[match.end() :]


def _timestamp(rng: random.Random, text: str) -> str:
    """A date and time where a date is expected."""
    import re

    dates = list(re.finditer(r"\d{4}-\d{2}-\d{2}", text))
    time = rng.choice(["T12:00:00", " 12:00:00", "T00:00:00Z", "T08:30:00+08:00", "t1:2:3.5"])
    if not dates:
        return text + f"\nwhen: 2013-01-01{time}\n"
    match = rng.choice(dates)
    return text[: match.end()] + time + text[match.end() :]


def _deep_nesting(rng: random.Random, text: str) -> str:
    depth = rng.choice([25, 200, 5000])
    return text + "\nextra: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb(rng: random.Random, text: str) -> str:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb += f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    return text + "\n" + bomb


def _truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text))]


def _yes_no(rng: random.Random, text: str) -> str:
    import re

    numbers = list(re.finditer(r"(?<=value: )\d+", text))
    if not numbers:
        return text.replace("replicates: 5", "replicates: yes")
    match = rng.choice(numbers)
    word = rng.choice(["yes", "NO", "on", "off", "'12'", '" 5"', "~", ".inf", "-.inf", ".nan"])
    return text[: match.start()] + word + text[match.end() :]


def _encoding(rng: random.Random, text: str) -> bytes:
    raw = text.encode("utf-8")
    kind = rng.choice(["latin1", "bytes", "utf16", "nul"])
    if kind == "latin1":
        return text.replace("a", "é").encode("latin-1", errors="replace")
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "nul":
        return raw[:100] + b"\x00" + raw[100:]
    i = rng.randrange(len(raw))
    return raw[:i] + b"\xff\xfe\x80" + raw[i:]


MUTATIONS: dict[str, Mutation] = {
    "delete": _data_mutation(_delete),
    "swap": _data_mutation(_swap),
    "unknown_key": _data_mutation(_unknown_key),
    "number_edge": _data_mutation(_number_edge),
    "huge_integer": _data_mutation(_huge_integer),
    "timestamp": _text_mutation(_timestamp),
    "duplicate_key": _text_mutation(_duplicate_line),
    "bad_date": _text_mutation(_bad_date),
    "deep_nesting": _text_mutation(_deep_nesting),
    "alias_bomb": _text_mutation(_alias_bomb),
    "truncate": _text_mutation(_truncate),
    "yes_no": _text_mutation(_yes_no),
    "encoding": _encoding,
}


def tiny_scenario(folder: Path) -> Path:
    """The small city at 2,000 households and a short burn-in: sweeps of it run fast."""
    data = yaml.safe_load((ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8"))
    data["city"]["households"]["value"] = 2000
    data["city"]["offenders"]["value"] = 20
    data["calendar"]["burn_in_days"] = 5
    data["name"] = "tiny"
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def check_mutant(tmp: Path, source: Path, kind: str, seed: int, tiny: Path) -> None:
    rng = random.Random(f"{source.name}:{kind}:{seed}")
    tmp.mkdir(exist_ok=True)
    mutant_dir = tmp / f"{source.stem}-{kind}-{seed}"
    mutant_dir.mkdir()
    mutant = mutant_dir / source.name
    mutant.write_bytes(MUTATIONS[kind](rng, source.read_text(encoding="utf-8")))
    out = mutant_dir / "out"
    if source in SWEEP_FILES:
        args = ["sweep", str(tiny), "--sweep-file", str(mutant), "--replicates", "1"]
    else:
        args = ["run", str(mutant)]
    args += ["--days", "2", "--out", str(out)]
    before = _tree(tmp.parent)
    result = CliRunner().invoke(main, args)
    stderr = result.stderr
    context = f"{kind} {seed} of {source.name}: exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output, context
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{context}\n{result.exception!r}"
    )
    assert result.exit_code in (0, 2), context
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    others = [
        line for line in stderr.splitlines() if line.strip() and not line.startswith("warning:")
    ]
    if result.exit_code == 2:
        assert len(errors) == 1 and others == errors, context
        assert errors[0].startswith(f"error: {mutant}") or (
            source in SWEEP_FILES and errors[0].startswith(f"error: {tiny}")
        ), context
        assert not out.exists(), f"{context}\nwritten on failure: {_tree(out)}"
    else:
        assert out.is_dir(), context
    outside = _tree(tmp.parent) - before
    stray = {p for p in outside if not p.startswith(str(mutant_dir.relative_to(tmp.parent)))}
    assert not stray, f"{context}\nwritten outside --out: {stray}"


def _cases(per_kind: int) -> list[tuple[Path, str, int]]:
    return [
        (source, kind, seed)
        for source in [*SCENARIO_FILES, *SWEEP_FILES]
        for kind in MUTATIONS
        for seed in range(per_kind)
    ]


@pytest.fixture(autouse=True)
def _short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # A mutant city that validates may be huge: refuse anything estimated over a minute,
    # which also exercises the estimate's refusal.
    monkeypatch.setattr(safesim.experiments.limits, "MAX_SECONDS", 60)


FAST = [c for c in _cases(1) if c[0].name in {"small.yaml", "guiyang-patrols-cameras.yaml"}]


@pytest.mark.parametrize(("source", "kind", "seed"), FAST, ids=lambda v: getattr(v, "name", v))
def test_mutant_fast(tmp_path: Path, source: Path, kind: str, seed: int) -> None:
    check_mutant(tmp_path / "work", source, kind, seed, tiny_scenario(tmp_path))


# 7 files × 13 kinds × 27 seeds = 2,457 mutants.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "kind", "seed"), _cases(27), ids=lambda v: getattr(v, "name", v)
)
def test_mutant(tmp_path: Path, source: Path, kind: str, seed: int) -> None:
    check_mutant(tmp_path / "work", source, kind, seed, tiny_scenario(tmp_path))


# ------------------------------------------------------------------ damaged results folders

HUGE = 10**400
#: Values planted in a manifest or a journal record (JSON holds integers of any size).
JSON_VALUES: list[Any] = [
    None, True, [], {}, [1], {"a": 1}, "", "x" * 300, -1, 0, 1e308, -1e308, HUGE, -HUGE,
    "2012-01-01T12:00:00", "2013-02-30", "9999-12-31", "../..", "/etc/passwd", 2**63, 0.5,
]  # fmt: skip


def _damage_json(rng: random.Random, data: Any) -> str:
    """``data`` (parsed JSON) with one structural change, as JSON text."""
    paths = [p for p in _paths(data) if p]
    change = rng.choice(["swap", "swap", "delete", "deep", "text"])
    if change == "text" or not paths:
        return rng.choice(["[]", "null", "1", '"x"', "{", "", "[" * 100_000 + "]" * 100_000,
                           '{"kind": ' + "[" * 5_000 + "]" * 5_000 + "}", "\ufeff{}"])  # fmt: skip
    path = rng.choice(paths)
    if change == "delete":
        del _get(data, path[:-1])[path[-1]]
    elif change == "deep":
        depth = rng.choice([30, 1_000, 100_000])
        _set(data, path, "@@DEEP@@")
        return json.dumps(data).replace('"@@DEEP@@"', "[" * depth + "]" * depth)
    else:
        _set(data, path, copy.deepcopy(rng.choice(JSON_VALUES)))
    return json.dumps(data)


def _csv_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


CELLS = [
    "", "nan", "inf", "-inf", "-1", "1" + "0" * 400, "2012-01-01T12:00:00", "2013-02-30",
    "0001-01-01", "x" * 300, '"', "1e400", "yes", "[1]", "\x00",
]  # fmt: skip


def _damage_cell(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    if len(lines) < 2:
        return text + rng.choice(CELLS) + "\n"
    row = rng.randrange(1, len(lines))
    cells = lines[row].split(",")
    cells[rng.randrange(len(cells))] = rng.choice(CELLS)
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _damage_shape(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    header = lines[0].split(",")
    kind = rng.choice(["header_only", "empty", "cut", "drop_column", "rename_column",
                       "duplicate_column", "extra_cells", "bom", "blank_lines"])  # fmt: skip
    if kind == "header_only":
        return lines[0] + "\n"
    if kind == "empty":
        return ""
    if kind == "cut":
        return text[: rng.randrange(len(text))]
    if kind == "bom":
        return "\ufeff" + text
    if kind == "blank_lines":
        return "\n\n".join(lines) + "\n"
    column = rng.randrange(len(header))
    rows = [line.split(",") for line in lines]
    if kind == "drop_column":
        rows = [r[:column] + r[column + 1 :] for r in rows]
    elif kind == "rename_column":
        rows[0][column] = rng.choice(["", "date ", "x", header[column].upper()])
    elif kind == "duplicate_column":
        rows[0][column] = header[(column + 1) % len(header)]
    else:
        rows = [[*r, "1"] if i else r for i, r in enumerate(rows)]
    return "\n".join(",".join(r) for r in rows) + "\n"


def _damage_folder(rng: random.Random, folder: Path, kind: str, outside: Path) -> None:
    manifest = folder / "manifest.json"
    csvs = _csv_files(folder)
    if kind == "manifest":
        manifest.write_text(_damage_json(rng, json.loads(manifest.read_text("utf-8"))), "utf-8")
    elif kind == "manifest_bytes":
        raw = manifest.read_bytes()
        i = rng.randrange(len(raw))
        manifest.write_bytes(raw[:i] + rng.choice([b"\xff\xfe", b"\x00", b"", b"}"]) + raw[i:])
    elif kind in ("cell", "shape", "unsealed"):
        target = rng.choice(csvs)
        text = target.read_text("utf-8")
        damage = _damage_shape if kind == "shape" or rng.random() < 0.3 else _damage_cell
        target.write_text(damage(rng, text), encoding="utf-8")
        if kind != "unsealed":
            reseal(folder)
    elif kind == "missing":
        rng.choice(csvs).unlink()
    elif kind == "symlink":
        # A figure or brief planted as a symlink to a file outside: replaced, never written.
        name = rng.choice(["effects.png", "brief.html", "daily.png", "summary.png"])
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(outside)
    else:
        raise AssertionError(kind)


FOLDER_DAMAGES = ("manifest", "manifest_bytes", "cell", "shape", "unsealed", "missing", "symlink")
READERS = ("plot", "brief", "viz")


@pytest.fixture(scope="module")
def run_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the tiny city with its brief and figures: what the readers are given."""
    folder = tmp_path_factory.mktemp("run-set")
    args = ["run", str(tiny_scenario(folder)), "--days", "3", "--replicates", "2"]
    result = CliRunner().invoke(main, [*args, "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out" / "tiny"


def check_folder_mutant(
    run_set: Path, tmp: Path, kind: str, command: str, seed: int, monkeypatch: Any
) -> None:
    import shutil

    import safesim.ui.cli

    # Were the folder accepted, viz would stop here instead of serving the page.
    accepted = "folder accepted for serving"
    monkeypatch.setattr(safesim.ui.cli, "_port_problem", lambda host, port: accepted)
    rng = random.Random(f"folder:{kind}:{command}:{seed}")
    folder = tmp / "set"
    shutil.copytree(run_set, folder, symlinks=True)
    outside = tmp / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    _damage_folder(rng, folder, kind, outside)
    before = snapshot(folder)
    result = CliRunner().invoke(main, [command, str(folder)])
    context = f"{kind} {seed} for {command}: exit {result.exit_code}\n{result.output}"
    ok = one_line_or_ok(result, context, accepted)
    assert outside.read_text(encoding="utf-8") == "keep\n", f"{context}\nwritten outside"
    assert sorted(p.name for p in tmp.iterdir()) == ["outside.txt", "set"], context
    if not ok:
        assert str(folder) in result.stderr, context
        assert snapshot(folder) == before, f"{context}\nwritten on failure"


def _folder_cases(per_kind: int) -> list[Any]:
    return [
        pytest.param(k, c, s, marks=[] if s == 0 and j == i % len(READERS) else [pytest.mark.slow])
        for i, k in enumerate(FOLDER_DAMAGES)
        for j, c in enumerate(READERS)
        for s in range(per_kind)
    ]


# 7 damages × 3 readers × 12 seeds = 252 mutants; by default one seed of each damage.
@pytest.mark.parametrize(("kind", "command", "seed"), _folder_cases(12))
def test_damaged_folder(
    run_set: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, command: str,
    seed: int,
) -> None:  # fmt: skip
    check_folder_mutant(run_set, tmp_path, kind, command, seed, monkeypatch)


# ------------------------------------------------------------------ journals and symlinks


def _sweep_args(tiny: Path, out: Path) -> list[str]:
    return ["sweep", str(tiny), "--vary", "interventions.cameras.count=0,10", "--days", "370",
            "--replicates", "1", "--out", str(out), "--name", "s"]  # fmt: skip


@pytest.fixture(scope="module")
def sweep_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished sweep of the tiny city (two points) and its scenario."""
    folder = tmp_path_factory.mktemp("sweep-set")
    tiny = tiny_scenario(folder)
    result = CliRunner().invoke(main, _sweep_args(tiny, folder / "out"))
    assert result.exit_code == 0, result.output
    return folder / "out" / "s", tiny


JOURNAL_DAMAGES = ("record", "plan", "record_symlink", "journal_symlink", "manifest", "runs")


def _damage_journal(rng: random.Random, folder: Path, kind: str, outside: Path) -> None:
    journal = folder / ".runs"
    records = sorted(p for p in journal.glob("*.json") if p.name != "plan.json")
    if kind in ("record", "plan"):
        target = rng.choice(records) if kind == "record" else journal / "plan.json"
        target.write_text(_damage_json(rng, json.loads(target.read_text("utf-8"))), "utf-8")
    elif kind == "record_symlink":
        target = rng.choice(records)
        target.unlink()
        target.symlink_to(outside)
    elif kind == "journal_symlink":
        elsewhere = outside.parent / "elsewhere"
        journal.rename(elsewhere)
        journal.symlink_to(elsewhere, target_is_directory=True)
    elif kind == "manifest":
        path = folder / "manifest.json"
        path.write_text(_damage_json(rng, json.loads(path.read_text("utf-8"))), "utf-8")
    elif kind == "runs":
        path = folder / "runs.csv"
        change = _damage_shape if rng.random() < 0.5 else _damage_cell
        path.write_text(change(rng, path.read_text("utf-8")), encoding="utf-8")
    else:
        raise AssertionError(kind)


def check_journal_mutant(sweep_set: tuple[Path, Path], tmp: Path, kind: str, seed: int) -> None:
    """A sweep resumed on a damaged journal or set: it runs what it must again and gives
    the undamaged sweep's runs, or refuses in one line; nothing outside is touched."""
    import shutil

    good, tiny = sweep_set
    rng = random.Random(f"journal:{kind}:{seed}")
    out = tmp / "out"
    shutil.copytree(good, out / "s", symlinks=True)
    outside = tmp / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    _damage_journal(rng, out / "s", kind, outside)
    elsewhere = snapshot(tmp / "elsewhere") if (tmp / "elsewhere").exists() else {}
    result = CliRunner().invoke(main, _sweep_args(tiny, out))
    context = f"{kind} {seed}: exit {result.exit_code}\n{result.output}"
    ok = one_line_or_ok(result, context)
    assert outside.read_text(encoding="utf-8") == "keep\n", f"{context}\nwritten outside"
    if (tmp / "elsewhere").exists():
        assert snapshot(tmp / "elsewhere") == elsewhere, f"{context}\nwritten outside"
    # A record changed to another well-formed record fails its hash and is run again too.
    if ok:
        assert (out / "s" / "runs.csv").read_bytes() == (good / "runs.csv").read_bytes(), context


def _journal_cases(per_kind: int) -> list[Any]:
    return [
        pytest.param(k, s, marks=[pytest.mark.slow] if s else [])
        for k in JOURNAL_DAMAGES
        for s in range(per_kind)
    ]


# 6 damages × 20 seeds = 120 mutants; the first seed of each in the default run.
@pytest.mark.parametrize(("kind", "seed"), _journal_cases(20))
def test_damaged_journal(
    sweep_set: tuple[Path, Path], tmp_path: Path, kind: str, seed: int
) -> None:
    check_journal_mutant(sweep_set, tmp_path, kind, seed)


OUT_LINKS = ("name_dir", "name_file", "lock", "journal")


def check_out_symlink(tmp: Path, kind: str, command: str) -> None:
    """A symlink planted in ``--out`` where a command would write: refused or replaced,
    never written through."""
    out = tmp / "out"
    out.mkdir()
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep\n", encoding="utf-8")
    tiny = tiny_scenario(tmp)
    name = "s" if command == "sweep" else "tiny"  # a run's folder is its scenario's name
    if kind == "name_dir":
        (out / name).symlink_to(elsewhere, target_is_directory=True)
    elif kind == "name_file":
        (out / name).symlink_to(elsewhere / "keep.txt")
    elif kind == "lock":
        (out / f".{name}.lock").symlink_to(elsewhere / "keep.txt")
    else:  # the journal's folder, OUT/NAME/.runs, made a symlink
        (out / name).mkdir()
        (out / name / ".runs").symlink_to(elsewhere, target_is_directory=True)
    if command == "sweep":
        args = _sweep_args(tiny, out)
    else:
        args = ["run", str(tiny), "--days", "2", "--out", str(out)]
    before = snapshot(elsewhere)
    for extra in ([], ["--restart"]) if command == "sweep" else ([],):
        result = CliRunner().invoke(main, [*args, *extra])
        context = f"{kind} {command} {extra}: exit {result.exit_code}\n{result.output}"
        one_line_or_ok(result, context)
        assert snapshot(elsewhere) == before, f"{context}\nwritten outside --out"


@pytest.mark.parametrize("kind", OUT_LINKS)
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_symlinks_in_out(tmp_path: Path, kind: str, command: str) -> None:
    check_out_symlink(tmp_path, kind, command)
