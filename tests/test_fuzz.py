"""Mutated scenario and sweep files through the command line: a clean answer or one line.

Every shipped scenario and sweep file is mutated (keys deleted or added or given twice,
types swapped, numbers made huge, negative, infinite or NaN, dates made impossible or
extreme, deep nesting, alias bombs, broken encodings, truncation) and run in-process with
tiny ``--days``. Each mutant must end with exit 0, or exit 2 and one ``error:`` line naming
the file; never a traceback; nothing written on failure, nothing written outside ``--out``.

The default run checks a fast subset; ``-m slow`` runs more than 2,000 mutants.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import safesim.limits
from safesim.cli import main

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
    """An integer too big for a float (or for int() of a string) where a number is."""
    numbers = [p for p in _leaf_paths(data) if isinstance(_get(data, p), int | float)]
    if not numbers:
        return _swap(rng, data)
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
    monkeypatch.setattr(safesim.limits, "MAX_SECONDS", 60)


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
