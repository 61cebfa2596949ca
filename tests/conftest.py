from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from safesim.core.interventions import ORDER
from safesim.core.scenario import Scenario, load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
INTERVENTIONS = tuple(cls.name for cls in ORDER)


@pytest.fixture(scope="session")
def small() -> Scenario:
    return load_scenario(SCENARIOS / "small.yaml")


def keep_only(scenario: Scenario, *names: str) -> Scenario:
    """The scenario with every intervention not in ``names`` removed."""
    data = scenario.model_dump(mode="python")
    for name in INTERVENTIONS:
        if name not in names:
            data["interventions"][name] = None
    return validate_scenario(data, None)


def seal(folder: Path, manifest: dict) -> None:
    """Write ``manifest`` for a folder a test made by hand, listing every file in it with
    its hash, as the commands' result-set writer does (readers refuse a manifest without)."""
    from safesim.experiments.results import MANIFEST, write_result_set

    files = {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }
    write_result_set(folder, files, manifest, keep_folder=True)


def reseal(folder: Path) -> None:
    """The manifest's hashes made to match the damaged files again, so the damage reaches
    the readers of the files' contents instead of the hash check."""
    from safesim.experiments.results import file_sha256

    path = folder / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    for name, entry in manifest.get("files", {}).items():
        if (folder / name).is_file():
            entry["sha256"] = file_sha256(folder / name)
            entry["bytes"] = (folder / name).stat().st_size
            if entry.get("rows") is not None:
                entry["rows"] = max(len((folder / name).read_bytes().splitlines()) - 1, 0)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file under ``folder`` with its bytes (a symlink with its target)."""
    return {
        str(p.relative_to(folder)): f"-> {os.readlink(p)}" if p.is_symlink() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def one_line_or_ok(result: Any, context: str, accepted: str | None = None) -> bool:
    """Whether the command succeeded; else it must have ended in one ``error:`` line."""
    assert "Traceback" not in result.output, context
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{context}\n{result.exception!r}"
    )
    assert result.exit_code in (0, 2), context
    lines = [x for x in result.stderr.splitlines() if x.strip() and not x.startswith("warning:")]
    if result.exit_code == 0:
        return True
    assert len(lines) == 1 and lines[0].startswith("error: "), context
    return accepted is not None and accepted in lines[0]


def read_json(path: Path) -> Any:
    """A JSON file's data, or None when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        return None
