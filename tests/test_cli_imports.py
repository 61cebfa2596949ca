"""The command line starts at once: importing it loads none of the heavy libraries, which
only the commands that need them import."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "scipy", "matplotlib", "optuna", "dask", "distributed", "solara", "plotly")
HEAVY_CASED = ("SALib",)


def loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = set(loaded_after("import safesim.ui.cli"))
    heavy = sorted(loaded & {*HEAVY, *HEAVY_CASED})
    assert heavy == [], f"import safesim.ui.cli loads {heavy}"


def test_help_of_run_loads_no_heavy_library() -> None:
    code = (
        "import sys\nfrom safesim.ui.cli import main\nsys.argv = ['safesim', 'run', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = set(loaded_after(code))
    heavy = sorted(loaded & {*HEAVY, *HEAVY_CASED})
    assert heavy == [], f"safesim run --help loads {heavy}"


def test_the_probe_sees_a_heavy_import() -> None:
    # The check above could pass by never seeing a module: importing the model must show
    # scipy, which it needs.
    assert "scipy" in loaded_after("import safesim.core.model")


def test_reading_fitted_parameters_loads_no_emulator_library() -> None:
    # `safesim run --parameters FILE` reads the file through the calibration package, whose
    # emulator and sampler (scikit-learn, emcee) only calibrating needs.
    loaded = set(loaded_after("from safesim.experiments.calibration import load_parameters"))
    assert not loaded & {"sklearn", "emcee"}


def test_the_calibration_package_still_gives_its_runner() -> None:
    from safesim.experiments import calibration

    assert calibration.Calibration.__name__ == "Calibration"
    assert "emulators.csv" in calibration.OUTPUT_FILES
