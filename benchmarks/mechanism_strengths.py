"""Print each mechanism's measured strength in its treated area against the twin, with the
doses and replicates tests/test_effects.py uses (the figures in README and docs/odd.md).

    python benchmarks/mechanism_strengths.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from safesim.core.mechanism_effects import measure
from safesim.core.scenario import Scenario, load_scenario
from safesim.experiments.runner import replicate_seed, run_once
from safesim.experiments.scaling import scale_scenario

ROOT = Path(__file__).resolve().parents[1]


def only(scenario: Scenario, name: str) -> Scenario:
    kept = {name: getattr(scenario.interventions, name)}
    return scenario.model_copy(update={"interventions": type(scenario.interventions)(**kept)})


def show(label: str, effect) -> None:
    lo, hi = effect.interval
    print(f"{label:45s} {effect.change:+.3f}  90 % {lo:+.3f} to {hi:+.3f}  "
          f"(mix {sum(effect.mix)}, twin {sum(effect.twin)})")  # fmt: skip


def main() -> None:
    small = load_scenario(ROOT / "scenarios" / "small.yaml")
    show(
        "patrols: offender crime, visited cells",
        measure(only(small, "patrols"), "patrols", 8)["offender_crime"],
    )
    cameras = measure(only(small, "cameras"), "cameras", 8)
    show("cameras: property crime, camera cells", cameras["property_crime"])
    show("cameras: property crime, car-park camera cells", cameras["property_crime_car_park"])
    show("cameras: robbery, camera cells", cameras["robbery"])
    show(
        "volunteers: offender crime, posts manned",
        measure(only(small, "volunteers"), "volunteers", 16)["offender_crime"],
    )

    city = scale_scenario(only(small, "target_hardening"), 50_000)
    spec = city.interventions.target_hardening
    hardened = city.with_values(
        {
            "interventions.target_hardening.lock_cylinders": 4 * spec.lock_cylinders.value,
            "interventions.target_hardening.alarm_phones": 4 * spec.alarm_phones.value,
            "interventions.target_hardening.ramp_days": 30,
        }
    )
    homes = measure(hardened, "target_hardening", 3)
    show("hardening (4x Guiyang): burglary, locked homes", homes["lock_cylinders_only"])
    show("hardening (4x Guiyang): burglary, alarm homes", homes["alarm_phones_only"])

    guichi = load_scenario(ROOT / "scenarios" / "guichi.yaml")
    grid = measure(only(guichi, "grid_workers"), "grid_workers", 2)
    show("grid workers (Guichi): violent disputes", grid["dispute_violence"])
    show("grid workers (Guichi): criminal cases", grid["criminal_total"])
    years = []
    for r in range(3):
        daily = run_once(guichi, replicate_seed(guichi.seed, r))
        years.append(daily[daily["date"] >= "2021-01-01"].sum(numeric_only=True))
    for column, report in (
        ("dispute_violence", 35),
        ("disputes_found", 116),
        ("disputes_mediated", 84),
    ):
        values = [float(y[column]) for y in years]
        print(f"Guichi 2021 {column:33s} model {np.mean(values):7.1f} "
              f"(replicates {min(values):.0f}-{max(values):.0f}), report {report}")  # fmt: skip
    share = np.mean([y["dispute_violence"] / y["criminal_total"] for y in years])
    print(f"Guichi 2021 violent dispute cases / criminal cases: {share:.3%}")


if __name__ == "__main__":
    main()
