"""The scenarios shipped with safesim, found from any working folder.

The scenario files live in the repository's top-level ``scenarios/`` (the commands in
the README name them so) and are installed as the package data ``safesim.scenarios``
(pyproject maps that package onto the folder), so ``safesim viz`` with no argument
works wherever it is started. A path that exists is always taken as given; only a path
that does not exist falls back to the shipped file of the same name.

**Examples**::

    resolve_scenario("scenarios/small.yaml")  # ./scenarios/small.yaml, else the shipped one
    resolve_scenario("small")                 # the shipped small.yaml
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SCENARIO_SUFFIXES = (".yaml", ".yml")


def shipped_scenarios() -> Path | None:
    """The folder of the installed scenario files, or None if this install has none."""
    try:
        folder = resources.files("safesim.scenarios")
    except ModuleNotFoundError:
        return None
    path = Path(str(folder))
    return path if path.is_dir() else None


def shipped_names() -> list[str]:
    """The shipped scenario files' names (``small.yaml``, ...)."""
    folder = shipped_scenarios()
    if folder is None:
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix in SCENARIO_SUFFIXES)


def resolve_scenario(path: str | Path) -> Path:
    """``path`` if it exists; else the shipped scenario it names (``scenarios/x.yaml``,
    ``x.yaml`` or ``x``); else ``path`` unchanged, so the loader's error names it."""
    given = Path(path)
    if given.exists():
        return given
    folder = shipped_scenarios()
    if folder is None:
        return given
    parts = given.parts
    # Only a bare name or scenarios/<name> stands for a shipped file: any other folder
    # is the user's, and a missing file there is an error to report, not to paper over.
    if len(parts) == 1 or (len(parts) == 2 and parts[0] == "scenarios"):
        name = given.name
        for candidate in (name, *(name + suffix for suffix in SCENARIO_SUFFIXES)):
            shipped = folder / candidate
            if shipped.is_file():
                return shipped
    return given
