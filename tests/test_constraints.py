"""constraints.txt pins what the tests run with: every pinned package that is installed is
installed at its pin. Nothing is installed or downloaded here; a package the pins list but
this environment lacks (a platform's own, an extra not chosen) is skipped, not failed."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    out = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)(\s*;.*)?", line)
        assert match, f"constraints.txt line {number}: not 'name==version': {line!r}"
        if match.group(3):  # a pin for another platform or Python
            continue
        name = normalise(match.group(1))
        assert name not in out, f"constraints.txt line {number}: {name} pinned twice"
        out[name] = match.group(2)
    return out


def installed() -> dict[str, str]:
    return {normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}


def test_pins_parse() -> None:
    parsed = pins("a==1.0\n# note\nB_c.d==2.0 ; python_version < '3'\nE-F==3\n")
    assert parsed == {"a": "1.0", "e-f": "3"}


def test_installed_packages_match_the_pins() -> None:
    wanted = pins(CONSTRAINTS.read_text(encoding="utf-8"))
    have = installed()
    assert len(wanted) > 50, "constraints.txt pins fewer packages than safesim needs"
    # safesim's own direct requirements are pinned too (a fresh resolve lists them all).
    for core in ("mesa", "numpy", "pandas", "pydantic", "filelock", "psutil", "solara"):
        assert core in wanted, f"constraints.txt does not pin {core}"
    wrong = {
        name: f"{have[name]} installed, {pin} pinned"
        for name, pin in wanted.items()
        if name in have and have[name] != pin
    }
    assert not wrong, (
        f"installed versions differ from constraints.txt: {wrong}; reinstall with "
        'pip install -e ".[dev]" -c constraints.txt'
    )
