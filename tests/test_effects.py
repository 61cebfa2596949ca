"""Each mechanism at its published strength, measured the way the studies measure it: in
the places or homes it treats, against the same seeds with no intervention (the
counterfactual twin, common random numbers), at the doses the shipped scenarios use, over
enough replicates for a 90 % interval. The evidence ranges are those of docs/odd.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logit

from safesim.core.households import ALARM, ANTI_CLIMB, HOME_CAMERA, LOCK, protection_table
from safesim.core.interventions import Patrols
from safesim.core.mechanism_effects import TreatedEffect, measure
from safesim.core.model import SafetyModel
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import Rate
from safesim.experiments.runner import replicate_seed, run_once
from safesim.experiments.scaling import scale_scenario
from safesim.reports.validation import INSIDE, Fact, load_protocol

from .conftest import keep_only


def assert_in_evidence(effect: TreatedEffect, low: float, high: float, what: str) -> None:
    """The validation protocol's rule: the whole 90 % interval lies within the published
    range [low, high], on at least the protocol's minimum of replicates. An interval that
    merely overlaps the range is not evidence of agreement."""
    lo, hi = effect.interval
    fact = Fact(
        "effects", what, "", "", "", effect.change, (lo, hi), len(effect.mix),
        low=low, high=high, minimum_replicates=load_protocol()["minimum_replicates"],
    )  # fmt: skip
    summary = f"{what}: {effect.change:+.3f} (90 % {lo:+.3f} to {hi:+.3f}, {len(effect.mix)} runs)"
    evidence = f"{low:+.2f}..{high:+.2f}"
    assert fact.verdict == INSIDE, f"{summary} is {fact.verdict} the evidence {evidence}"


# ---------------------------------------------------------------- patrols
@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured -14.5 % (90 % -21.1 % to -6.2 %, 8 runs): the interval is wider than "
    "the evidence's -16 % to -8 %, so the test cannot tell; reported, not re-ranged",
)
def test_hot_spot_patrols_at_hot_spot_policing_strength(small):
    """Braga & Weisburd 2020: −8 % to −16 % in treated hot spots, in the cells patrol
    teams visit each day, at the small city's dose (Guiyang's officers per household)."""
    effect = measure(keep_only(small, "patrols"), "patrols", replicates=8)
    assert_in_evidence(effect["offender_crime"], -0.16, -0.08, "patrolled cells")


def test_zero_officers_means_no_patrol_teams(small):
    """Auxiliaries patrol only with officers: none are deployed, none are costed."""
    spec = small.with_values({"interventions.patrols.officers": 0}).interventions.patrols
    spec = spec.model_copy(update={"unit_cost_yuan": Rate(value=1e5, assumption="a test")})
    patrols = Patrols(spec, small.calendar)
    params = MechanismParameters()
    assert spec.auxiliaries.value > 0
    assert patrols.teams() == 0 and patrols.visits_per_day(1.0, params) == 0
    assert patrols.units() == 0 and patrols.annual_cost() == 0
    # With officers, teams are led by them: auxiliaries beyond what they can lead stay idle.
    few = Patrols(small.with_values({"interventions.patrols.officers": 4}).interventions.patrols,
                  small.calendar)  # fmt: skip
    assert few.teams() == 4 and few.staff() == 4 * spec.team_size.value


# ---------------------------------------------------------------- cameras
@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the validation measures -7.0 % (90 % -10.9 % to -2.7 %, 8 replicates) in camera "
    "cells, outside the reviews' -16 % to -13 %; reported, not re-ranged",
)
def test_cameras_lower_property_crime_not_robbery(small):
    """Welsh & Farrington 2009, Piza et al. 2019: property crime falls in camera cells
    (−13 % to −16 % overall, up to −51 % in car parks), violence little or not at all."""
    effect = measure(keep_only(small, "cameras"), "cameras", replicates=8)
    low, high = (v / 100.0 for v in load_protocol()["facts"]["cameras"]["range"])
    assert_in_evidence(effect["property_crime"], low, high, "property crime, camera cells")
    # Car parks: -51 % (Welsh & Farrington 2009) to about -37 % (Piza et al. 2019).
    assert_in_evidence(effect["property_crime_car_park"], -0.51, -0.37, "car parks")
    car_parks = effect["property_crime_car_park"]
    assert car_parks.change < effect["property_crime"].change, "car parks gain most"
    robbery = effect["robbery"]
    assert robbery.interval[1] > -0.05, "cameras should do little to robbery"
    assert robbery.change > effect["property_crime"].change


def test_camera_effect_by_setting_follows_the_reviews():
    from safesim.core.city import CAR_PARK, COMMERCIAL, RESIDENTIAL
    from safesim.core.fields import camera_cut

    p = MechanismParameters()
    full = np.ones(3)
    land = np.array([CAR_PARK, COMMERCIAL, RESIDENTIAL])
    property_cut = camera_cut(p, land, full)
    assert property_cut[0] == pytest.approx(0.51, abs=0.01)  # car parks −51 %
    assert property_cut[1] == pytest.approx(0.07, abs=0.01)  # city centres −7 %
    assert property_cut[2] > 0.16  # residential above the overall −16 %
    robbery_cut = camera_cut(p, land, full, robbery=True)
    assert np.all(robbery_cut <= 0.4 * property_cut)


# ---------------------------------------------------------------- target hardening
def test_device_combinations_protect_as_tseloni_found():
    """Window + door locks + lights ≥ 20× protection against none; an alarm alone little."""
    table = protection_table(MechanismParameters())
    factor = 1.0 / (1.0 - table.astype(float))
    assert factor[LOCK | ANTI_CLIMB | HOME_CAMERA] >= 20
    assert factor[ALARM] <= 1.3
    assert factor[LOCK] > factor[ALARM] and factor[LOCK | ALARM] < factor[LOCK | ANTI_CLIMB]


@pytest.mark.xfail(
    strict=True,
    reason="measured -72 % (90 % -85 % to -53 %, 6 runs): the interval overlaps the "
    "evidence's -80 % to -50 % but is not inside it; reported, not re-ranged",
)
@pytest.mark.slow
def test_hardened_homes_are_burgled_less(small):
    """In the homes that got a super-B lock, burglary falls by the lock's protection factor
    (2-5×, i.e. −50 % to −80 %); alarm phones alone do little. Four times Guiyang's dose
    per household in a 50,000-household city, fitted over a month."""
    city = scale_scenario(keep_only(small, "target_hardening"), 50_000)
    spec = city.interventions.target_hardening
    scenario = city.with_values(
        {
            "interventions.target_hardening.lock_cylinders": 4 * spec.lock_cylinders.value,
            "interventions.target_hardening.alarm_phones": 4 * spec.alarm_phones.value,
            "interventions.target_hardening.ramp_days": 30,
        }
    )
    effect = measure(scenario, "target_hardening", replicates=6)
    assert_in_evidence(effect["lock_cylinders_only"], -0.80, -0.50, "homes with a lock")
    assert effect["alarm_phones_only"].interval[1] > -0.2, "alarms alone protect little"


# ---------------------------------------------------------------- guardianship
@pytest.fixture(scope="module")
def volunteer_posts(small):
    """Offender crime in the cells with a volunteer post that day, against the twin, at
    the small city's dose (Guiyang's volunteers per household): about half the cells,
    each with one team of two on duty (guardianship 0.63 at the defaults)."""
    return measure(keep_only(small, "volunteers"), "volunteers", replicates=16)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured -15.3 % (90 % -19.0 % to -11.2 %, 16 runs) in the posts: the interval "
    "reaches weaker falls than the evidence's -16 % to -26 %; reported, not re-ranged",
)
def test_volunteers_at_neighbourhood_watch_strength(volunteer_posts):
    """Bennett, Holloway & Farrington 2008: OR 1.19-1.36, −16 % to −26 % in the areas
    watched, measured in the cells volunteers man that day."""
    assert_in_evidence(volunteer_posts["offender_crime"], -0.26, -0.16, "volunteer posts")


@pytest.mark.slow
def test_volunteer_posts_fall_no_more_than_a_full_watch(volunteer_posts):
    """A post at the shipped dose is at most a full watch: its whole 90 % interval no
    stronger than the watch trials' random-effects estimate (−26 %), and a fall the runs
    can tell from none (its interval below zero). How far short of a full watch a post
    falls is the test above's, which records that it falls short."""
    effect = volunteer_posts["offender_crime"]
    lo, hi = effect.interval
    assert lo >= -0.26 and hi < 0.0, (effect.change, lo, hi)


def test_volunteers_guard_only_their_posts(small):
    """On-duty volunteers stand in teams at the busiest cells; cells with no post get no
    guardianship, and the posts are the treated cells validation measures."""
    scenario = keep_only(small, "volunteers")
    model = SafetyModel(scenario, seed=1)
    volunteers = next(iv for iv in model.interventions if iv.name == "volunteers")
    p = model.params
    while model.running and volunteers.strength(model.day) < 1.0:
        model.step()
    model.step()
    posts = volunteers.treated_today(model)
    on_duty = scenario.interventions.volunteers.count.value * p.volunteer_on_duty_share
    teams = int(on_duty / p.volunteer_team_size)
    assert posts.sum() == min(teams, model.layout.cells)
    assert np.array_equal(posts, volunteers.treated_cells(model))
    guardianship = model.fields.guardianship
    assert np.all(guardianship[~posts] == 0.0)
    expected = 1.0 - np.exp(-(on_duty / posts.sum()) / p.volunteers_per_cell_half)
    assert np.allclose(guardianship[posts], expected)
    # The busiest cells: every post draws offenders more than every cell without one.
    draw = model.layout.static_attractiveness
    assert draw[posts].min() >= draw[~posts].max()


# ---------------------------------------------------------------- sense of security
def _share_without_crime_and_disorder(model: SafetyModel) -> float:
    security = model.security
    security.crime_rate[:] = 0.0
    security.disorder_rate[:] = 0.0
    security.climate = security._target_climate(
        model.fields.felt_patrol(model.params), model.fields.guardianship
    )
    return security.share(0, model.households)


@pytest.mark.parametrize(
    ("crime", "disorder"),
    [(0.5, 0.8), (0.2, 0.3), (1.0, 1.5)],
    ids=["defaults", "lower-bounds", "upper-bounds"],
)
def test_removing_crime_and_disorder_raises_felt_safety(small, crime, disorder):
    """Hinkle & Weisburd 2008, Innes & Fielding 2002: crime and (more) disorder drive fear.
    A city rid of both gains fear_local_crime + fear_disorder in logit: 88 % → 92-99 %."""
    scenario = small.counterfactual().with_values(
        {"parameters.fear_local_crime": crime, "parameters.fear_disorder": disorder}
    )
    model = SafetyModel(scenario, seed=3, days=1)
    before = model.security.share(0, model.households)
    after = _share_without_crime_and_disorder(model)
    assert before == pytest.approx(0.88, abs=0.005)
    expected = expit(logit(before) + crime + disorder)
    assert after == pytest.approx(expected, abs=0.02)
    assert after - before >= 0.04


# ---------------------------------------------------------------- disputes, grid workers
@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the validation measures violent disputes -48.9 % (90 % -49.5 to -48.2, 8 "
    "replicates at 830,400 households): a larger fall than problem-oriented policing's "
    "-33.8 %; reported, not re-ranged",
)
def test_grid_workers_prevent_violent_disputes_within_pop_bound(small):
    """Grid workers find and mediate disputes, so fewer turn violent; no controlled
    evaluation of grid management exists, and their effect on the outcome they target,
    violent disputes, stays below problem-oriented policing's (Hinkle et al. 2020,
    −33.8 % at most). Measured on the small city (Guiyang's doses per household), not on
    a held-out city, and on violent disputes, which the mechanism moves (all criminal
    cases move by under 2 % even when every violent dispute is removed)."""
    effect = measure(keep_only(small, "grid_workers"), "grid_workers", replicates=8)
    assert_in_evidence(effect["dispute_violence"], -0.338, 0.0, "violent disputes")


# ---------------------------------------------------------------- common random numbers
def test_mix_and_baseline_share_random_numbers_until_the_campaign(small):
    """Common random numbers: before any intervention starts, a mix and the city without
    interventions live the very same days."""
    seed = replicate_seed(11, 0)
    mix = run_once(small, seed, days=400)
    none = run_once(keep_only(small), seed, days=400)
    start = small.calendar.day_of(small.calendar.campaign_start.value)
    area_columns = ["crimes_treated", "crimes_catchment", "crimes_control"]
    before_mix = mix.iloc[:start].drop(columns=area_columns)
    before_none = none.iloc[:start].drop(columns=area_columns)
    assert before_mix.equals(before_none)
    assert not mix.iloc[start:].equals(none.iloc[start:])
