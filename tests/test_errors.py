"""Every error safesim explains to its user shares one base, so the command line has one
handler for all of them: one line on stderr, exit status 2, no traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from click.testing import CliRunner

import safesim
from safesim.errors import SafesimError
from safesim.ui.cli import main

# Failures of the work itself, not of the input: they end with status 1 and say where the
# finished runs are kept.
WORK_FAILURES = {"WorkerLost", "AnalysisError"}


def package_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(safesim.__path__, "safesim."):
        if info.name.startswith(("safesim.ui.viz_app",)):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and value.__module__ == info.name
                and not name.startswith("_")
            ):
                found[name] = value
    return found


def test_every_error_the_package_defines_is_a_safesim_error() -> None:
    exceptions = package_exceptions()
    assert len(exceptions) >= 10, sorted(exceptions)
    outside = sorted(
        name
        for name, cls in exceptions.items()
        if name not in WORK_FAILURES and not issubclass(cls, SafesimError)
    )
    assert outside == []


def test_an_error_no_command_catches_still_ends_in_one_line_and_status_2() -> None:
    from safesim.experiments.results import ResultsError

    @main.command("explode-for-test")
    def explode() -> None:
        raise ResultsError("results/x: manifest.json: not a results folder")

    try:
        result = CliRunner().invoke(main, ["explode-for-test"])
    finally:
        main.commands.pop("explode-for-test")
    assert result.exit_code == 2
    assert result.output.strip() == "error: results/x: manifest.json: not a results folder"
    assert "Traceback" not in result.output
