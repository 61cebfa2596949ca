"""How strong each mechanism is: one place, defaults from the evidence, shared by all cities.

Every field carries ``low``/``high`` bounds (the range the evidence allows, used as the
calibration prior) and the evidence it rests on. docs/odd.md cites the originals.
Calibration fits these; scenarios may override them under ``parameters:``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from safesim.core.scenario import Scenario


def _p(
    default: float,
    low: float,
    high: float,
    evidence: str,
    prior: dict[str, Any] | None = None,
    effect: bool = False,
) -> Any:
    """A mechanism parameter: default and evidence range [low, high] (sensitivity's and
    the calibration prior's range). An ``effect`` may also be set anywhere down to zero:
    the calibration weighs each effect against none, so its posterior reaches below the
    evidence's lower bound, and a run at one of its draws must accept that value."""
    extra: dict[str, Any] = {"low": low, "high": high, "evidence": evidence}
    if prior is not None:
        extra["prior"] = prior
    floor = 0.0 if effect else min(low, default)
    return Field(default, ge=floor, le=max(high, default), json_schema_extra=extra)


def _normal(mean: float, sd: float, source: str) -> dict[str, Any]:
    """A normal calibration prior truncated to the field's bounds."""
    return {"shape": "normal", "mean": mean, "sd": sd, "source": source}


def _log_uniform(source: str) -> dict[str, Any]:
    """Uniform on the log scale between the bounds: only the order of magnitude is known."""
    return {"shape": "log_uniform", "source": source}


class MechanismParameters(BaseModel):
    """Strength of every mechanism in the model (units in each description)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- Offending over an attractiveness field (Short et al. 2008) -----------------
    attractiveness_decay: float = _p(
        0.05, 0.01, 0.2,
        "per day; Short et al. 2008 omega: a place's boost decays exponentially; the "
        "raised risk after a burglary is a boost that wears off, to near baseline within "
        "months (Johnson 2008; Short et al. 2009): 0.05 a day leaves 22 % of a boost after "
        "30 days and 5 % after 60; bounds e-folding 5-100 days",
    )  # fmt: skip
    attractiveness_spread: float = _p(
        0.2, 0.05, 0.5,
        "share of boost shared with the 8 neighbours per day; Short et al. 2008 eta; "
        "near repeats within 300-400 m for 1-2 months (Johnson & Bowers 2004)",
    )  # fmt: skip
    attractiveness_boost: float = _p(
        1.0, 0.1, 3.0,
        "boost to a cell's dynamic attractiveness per crime there, in units of the mean "
        "static attractiveness; Short et al. 2008 theta",
    )  # fmt: skip
    repeat_victim_weight: float = _p(
        12.0, 2.0, 20.0,
        "extra Luce weight of a block's just-victimised home against each other home there "
        "(a home burgled today is 13x as likely a target as its neighbours); Polvi et al. "
        "1991, Farrell & Pease 1993: >12x the expected rate in month 1",
    )  # fmt: skip
    repeat_victim_decay_days: float = _p(
        11.2, 7.0, 66.0,
        "e-folding days of a burgled home's own boost, solved analytically from Polvi et "
        "al. 1991 (half of a month's repeats within 7 days gives 11.2 days, so that figure "
        "is reported as setting this one, not as a test); upper bound 66 days, the longest "
        "boost of weight 12 that is below 1x by six months (Polvi: < 2x there)",
    )  # fmt: skip
    candidate_homes: int = Field(
        3, ge=1, le=10,
        json_schema_extra={"low": 1, "high": 10,
                           "evidence": "homes an offender sizes up before choosing; "
                                       "Malleson's house choice by security and visibility"},
    )  # fmt: skip
    protection_visibility: float = _p(
        0.5, 0.0, 1.0,
        "share of a home's protection a burglar sees when choosing; Malleson's house choice "
        "weighs visible security; 1 means hardening is fully displaced to unprotected homes",
    )  # fmt: skip
    offender_moves_per_day: int = Field(
        3, ge=0, le=10,
        json_schema_extra={"low": 0, "high": 10,
                           "evidence": "cells walked per day (each ~ one block); Short et al."},
    )  # fmt: skip
    offender_desistance_per_year: float = _p(
        1.0, 0.2, 3.0, "rate at which active offenders stop; Gamma/replenishment of Short et al."
    )
    sentence_mean_days: float = _p(
        240.0, 30.0, 720.0, "mean incapacitation after arrest, days (assumption; Nagin 2013)"
    )
    base_arrest_probability: float = _p(
        0.10, 0.03, 0.3, "chance an offence leads to arrest without cameras or patrols"
    )
    deterrence_sensitivity: float = _p(
        3.0, 0.0, 10.0,
        "how perceived arrest risk lowers offending, exp(-k risk); Nagin 2013: certainty deters",
        prior={"shape": "uniform", "source": "Nagin 2013: certainty deters, no pooled size"},
    )  # fmt: skip
    # --- Cameras by setting and crime type (Welsh & Farrington 2009; Piza et al. 2019) ---
    camera_deterrence: float = _p(
        0.16, 0.07, 0.25,
        "fall in property crime (burglary, theft) at a fully covered cell, all settings; "
        "Welsh & Farrington 2009: -16% (41 studies); Piza et al. 2019: about -13%",
        prior=_normal(0.15, 0.05, "Welsh & Farrington 2009: -16 % (41 studies); Piza et "
            "al. 2019: about -13 %"),
        effect=True,
    )  # fmt: skip
    camera_car_park_ratio: float = _p(
        3.2, 2.3, 3.5,
        "camera effect in car parks relative to all settings; Welsh & Farrington 2009: "
        "-51% against -16% (x3.2); Piza et al. 2019: about -37% against -13% (x2.8)",
    )  # fmt: skip
    camera_city_centre_ratio: float = _p(
        0.45, 0.0, 1.0,
        "camera effect in commercial centres relative to all settings; Welsh & Farrington "
        "2009: city and town centres -7% (n.s.) against -16%",
    )  # fmt: skip
    camera_transit_ratio: float = _p(
        1.4, 0.5, 1.5,
        "camera effect on streets and transit squares relative to all settings; Welsh & "
        "Farrington 2009: public transport -23% (n.s.) against -16%",
    )  # fmt: skip
    camera_residential_ratio: float = _p(
        1.2, 1.0, 2.0,
        "camera effect in residential areas and villages relative to all settings; Piza "
        "et al. 2019: significant falls in residential areas, second only to car parks",
    )  # fmt: skip
    camera_violence_ratio: float = _p(
        0.1, 0.0, 0.4,
        "share of the property-crime camera effect that acts on robbery and snatching; "
        "Welsh & Farrington 2009 and Piza et al. 2019: no significant effect on violence",
    )  # fmt: skip
    camera_max_deterrence: float = _p(
        0.6, 0.51, 0.9,
        "largest fall in offending cameras can bring at a cell; the largest reviewed "
        "setting effect is car parks, -51% (Welsh & Farrington 2009)",
    )  # fmt: skip
    camera_detection: float = _p(
        0.05, 0.0, 0.2,
        "extra arrest probability under full coverage (assumption: video helps solve "
        "cases, Tongren credits its video cloud with 2,100, but the reviews give no "
        "detection rate; kept low so arrests do not stand in for the deterrence the "
        "reviews measure, Piza et al. 2019)",
    )  # fmt: skip
    cameras_per_cell_half_cover: float = _p(
        1.5, 0.5, 5.0,
        "cameras in a 100 m cell giving it 1 - 1/e coverage (assumption: an HD camera "
        "watches a street frontage, so a cell with the one to three cameras a scheme puts "
        "there is covered as the reviews' scheme areas are; the reviews give effects per "
        "scheme area, not per camera, so only the order of magnitude is assumed)",
        prior=_log_uniform("no figure of the area one camera watches: an assumption"),
    )  # fmt: skip
    # --- Patrols (Braga et al. 2019; Braga & Weisburd 2020; Koper 1995) -------------
    patrol_deterrence: float = _p(
        0.12, 0.04, 0.23,
        "fall in offending at a hot spot patrolled at the trials' dose (about Koper's "
        "guidance, which patrol_visits_to_saturate calls saturation); Braga & Weisburd 2020 "
        "(60 tests): -8% (d = 0.12) to -16% (log IRR), the default their midpoint; lower "
        "bound half the smaller reading (Braga et al. 2019: a small mean effect); upper "
        "bound Ratcliffe et al. 2011 foot patrol, -23% violent crime, the largest trial "
        "figure in the evidence",
        prior=_normal(0.12, 0.04, "Braga & Weisburd 2020: -8 % (d) to -16 % (log IRR) in "
            "treated hot spots, one sd either side"),
        effect=True,
    )  # fmt: skip
    koper_minutes: float = _p(
        6.0, 2.0, 15.0,
        "minutes of dwell giving 1 - 1/e of the residual deterrence; Koper 1995: optimum 11-15 min",
    )  # fmt: skip
    patrol_visits_to_saturate: float = _p(
        8.0, 2.0, 24.0, "visits a day at which a hot spot is saturated; Koper: every <=2 h"
    )
    patrol_memory_days: float = _p(
        2.0, 0.5, 14.0, "e-folding days of residual deterrence after visits stop; Sorg et al. 2013"
    )
    patrol_arrest_boost: float = _p(
        0.0, 0.0, 0.1,
        "extra arrest probability at a saturated hot spot; assumption: the hot-spot "
        "trials pool falls in crime, not rises in arrests (Braga & Weisburd 2020), so by "
        "default patrols act by deterrence; Nagin 2013: certainty of apprehension deters",
    )  # fmt: skip
    patrol_avoidance: float = _p(
        0.0, 0.0, 1.0,
        "share of a patrol's deterrence that offenders also shun while walking, so they "
        "offend next door instead (1: as much as they refrain from offending there). "
        "Default 0: offenders do not know today's unpredictable visits in advance (Koper "
        "1995) and rarely relocate (Weisburd et al. 2006: moving is effort and unfamiliar "
        "ground); displacement is the exception, smaller than the effect where it occurs "
        "(Guerette & Bowers 2009: 26 % of 574 observations; Bowers et al. 2011)",
    )  # fmt: skip
    patrol_diffusion: float = _p(
        0.3, 0.0, 1.0,
        "share of a hot spot's deterrence felt in its 8 neighbours; Weisburd et al. 2006; "
        "Braga et al. 2019: diffusion outweighs displacement",
    )  # fmt: skip
    hot_spot_window_days: float = _p(
        28.0, 7.0, 90.0, "days of recent crime that set where patrols go (crime analysis lag)"
    )
    patrol_shift_minutes: float = _p(
        480.0, 360.0, 720.0,
        "minutes in a patrol shift (assumption: an 8-hour shift; 12-hour shifts at the bound)",
    )  # fmt: skip
    patrol_share_of_shift: float = _p(
        0.5, 0.25, 0.75,
        "share of a shift spent on hot-spot visits rather than calls, checks and paperwork "
        "(assumption; Koper 1995 guidance: random 10-15 min visits every <= 2 h)",
    )  # fmt: skip
    patrol_travel_minutes: float = _p(
        10.0, 3.0, 20.0, "minutes of travel between two hot-spot visits (assumption)"
    )
    patrol_duty_days_per_week: float = _p(
        5.0, 4.0, 6.0, "shifts a week each officer and auxiliary works (assumption)"
    )
    # --- Guardianship and collective efficacy (Bennett et al. 2008; Sampson 1997) ---
    guardianship_effect: float = _p(
        0.21, 0.1, 0.3,
        "fall in offending where volunteers on duty saturate a cell; Bennett, Holloway & "
        "Farrington 2008 (18 evaluations): OR 1.19 (fixed) to 1.36 (random), -16% to -26%, the "
        "default their midpoint; bounds leave room for each pooled estimate's uncertainty",
        prior=_normal(0.21, 0.05, "Bennett, Holloway & Farrington 2008: OR 1.19-1.36, -16 "
            "to -26 %"),
        effect=True,
    )  # fmt: skip
    volunteer_on_duty_share: float = _p(
        0.1, 0.02, 0.5,
        "share of enrolled volunteers on a post on a given day (assumption: the reports "
        "count volunteers enrolled and give no shifts or hours; one day in ten, bounds from "
        "one day in fifty to every other day)",
        prior=_log_uniform("assumption: the reports give volunteer counts, no shifts or "
            "hours"),
    )  # fmt: skip
    volunteer_team_size: float = _p(
        2.0, 1.0, 4.0,
        "volunteers on duty together at one post, a cell (assumption: red-armband "
        "volunteers stand and walk their post in pairs or small groups; the reports give "
        "no team size)",
    )  # fmt: skip
    volunteers_per_cell_half: float = _p(
        2.0, 0.5, 8.0,
        "volunteers on duty at one cell giving 1 - 1/e of guardianship_effect there "
        "(assumption: a watched area of Bennett et al. 2008 has residents watching from "
        "most of its homes at all hours, a post a team for a shift, so one team of two "
        "is taken as 0.63 of a full watch; bounds from one volunteer saturating a block "
        "to four teams needed)",
        prior=_log_uniform("assumption: no evaluation gives a guardian dose per place"),
    )  # fmt: skip
    collective_efficacy_effect: float = _p(
        0.3, 0.0, 0.6,
        "fall in dispute escalation for ten-household-unit members; Sampson et al. 1997",
    )  # fmt: skip
    unit_report_per_day: float = _p(
        0.02, 0.0, 0.1, "daily chance a unit member's dispute is passed to a mediator"
    )
    # --- Target hardening by device (Tseloni et al. 2017), as protection factors -----
    lock_protection_factor: float = _p(
        3.0, 2.0, 5.0,
        "burglary-with-entry risk of homes without security over homes with door double "
        "locks/deadlocks only (super-B lock cylinders); Tseloni et al. 2017: with external "
        "lights the best single devices",
    )  # fmt: skip
    alarm_protection_factor: float = _p(
        0.9, 0.8, 1.3,
        "the same ratio for a burglar alarm alone (alarm phones); Tseloni et al. 2017: "
        "burglar alarms alone gave less protection than no security, so the default is "
        "below 1; the size is not in the evidence read (assumption: 0.9, a small "
        "shortfall), and the bounds reach above 1 because the direction is one survey's",
    )  # fmt: skip
    anti_climb_protection_factor: float = _p(
        3.0, 2.0, 5.0,
        "the same ratio for window locks and climb barriers; Tseloni et al. 2017: window "
        "locks in every protective combination",
    )  # fmt: skip
    home_camera_protection_factor: float = _p(
        2.5, 1.5, 4.0,
        "the same ratio for home cameras, read as external lights and surveillance; "
        "Tseloni et al. 2017: external lights a best single device. Factors multiply: "
        "window + door locks + lights = 22x, the >= 20x Tseloni et al. report",
    )  # fmt: skip
    secured_parking_protection: float = _p(
        0.5, 0.2, 0.8, "theft prevented in secured parking; Welsh & Farrington car parks -51%"
    )
    homes_per_anti_climb: float = _p(
        1.0, 0.2, 5.0, "homes protected by one anti-climb installation (assumption)"
    )
    # --- Grid workers and disputes (民转刑; Epstein 2002 as template) ---------------
    dispute_escalation_per_day: float = _p(
        0.003, 0.0005, 0.02,
        "daily hazard that an unmediated dispute turns violent (民转刑). ASSUMPTION: no "
        "published escalation rate exists (evidence.md, disputes turning violent); a "
        "log-uniform prior over 0.0005-0.02, with the fade and fight hazards 1-36% of "
        "unmediated disputes turning violent, and the default its geometric centre (8%)",
        prior=_log_uniform("no published escalation rate (evidence.md, disputes turning violent)"),
    )  # fmt: skip
    dispute_fight_per_day: float = _p(
        0.005, 0.0, 0.02,
        "daily hazard that an unmediated dispute gives a public-order case (a fight); "
        "assumption, bounded so fights stay a minor share of public-order cases",
    )  # fmt: skip
    dispute_fade_per_day: float = _p(
        0.03, 0.01, 0.1,
        "daily hazard that a dispute settles by itself (assumption: half within 3-10 weeks)",
    )  # fmt: skip
    grid_visit_detection: float = _p(
        0.7, 0.2, 1.0,
        "chance a grid worker's visit uncovers a live dispute. ASSUMPTION: no controlled "
        "evaluation of grid management exists (evidence.md), so a wide uniform prior; the "
        "default is the model's first guess, that a visit mostly finds what is there",
        prior={"shape": "uniform", "source": "no evaluation of grid management (evidence.md)"},
    )  # fmt: skip
    mediation_success: float = _p(
        0.9, 0.5, 0.98,
        "share of found disputes settled. ASSUMPTION: no controlled evaluation of people's "
        "mediation exists (evidence.md); the default reads the fitted cities' own accounts "
        "at face value (Tongren: 3,517 of 3,881 flagged problems solved, 91%; Suizhou: "
        "> 98% mediation success), which are upper-biased self-reports, so the upper bound "
        "is Suizhou's 98% and the uniform prior reaches down to a coin toss",
        prior={"shape": "uniform", "source": "no evaluation of people's mediation (evidence.md)"},
    )  # fmt: skip
    hardening_advice: float = _p(
        0.002, 0.0, 0.02, "chance a grid visit leads a home to fit a better lock"
    )
    # --- Sense of security (Hinkle & Weisburd 2008; Gill et al. 2014) --------------
    fear_own_victimisation: float = _p(
        2.0, 0.5, 4.0,
        "logit drop in feeling safe after being victimised (assumption: victims report "
        "more fear in crime surveys; Innes & Fielding 2002 on victimisation as a signal)",
    )  # fmt: skip
    fear_memory_days: float = _p(
        180.0, 30.0, 720.0,
        "e-folding days of a victim's fear (assumption: the reports survey once a year)",
    )  # fmt: skip
    fear_local_crime: float = _p(
        0.5, 0.2, 1.0,
        "logit of feeling safe lost where local crime is at the city's typical level, "
        "against none; Hinkle & Weisburd 2008 and Innes & Fielding 2002: crime weighs on "
        "fear less than disorder (bounded, no pooled figure)",
        prior=_normal(0.5, 0.3, "Hinkle & Weisburd 2008: crime weighs less on fear than "
            "disorder does"),
    )  # fmt: skip
    fear_disorder: float = _p(
        0.8, 0.3, 1.5,
        "logit lost where local public-order cases are at the city's typical level; "
        "Hinkle & Weisburd 2008: perceived disorder has a strong impact on fear; Innes & "
        "Fielding 2002: disorder acts as a signal (bounded above fear_local_crime's range)",
        prior=_normal(0.8, 0.4, "Hinkle & Weisburd 2008; Innes & Fielding 2002: "
            "disorder drives fear more than crime"),
    )  # fmt: skip
    safety_patrol_visibility: float = _p(
        0.3, -0.2, 1.0,
        "logit gain where foot patrols are seen; Gill et al. 2014: foot patrol raises felt "
        "safety, car patrol slightly lowers it; Hinkle & Weisburd 2008: crackdowns can "
        "raise fear (the negative bound)",
    )  # fmt: skip
    safety_guardianship: float = _p(
        0.2, 0.0, 0.5,
        "logit gain where volunteers are present; Gill et al. 2014: community-oriented "
        "work lowers perceived disorder but has little effect on fear, so bounded below "
        "the foot-patrol gain's upper bound",
        prior=_normal(0.2, 0.2, "Gill et al. 2014: community policing, little effect on fear"),
    )  # fmt: skip
    safety_spread: float = _p(1.2, 0.3, 3.0, "sd of households' own disposition to feel safe")
    safety_adaptation_days: float = _p(
        60.0, 7.0, 365.0, "days for felt safety to catch up with a changed neighbourhood"
    )

    # --- City and offending dynamics / measurement ----------------------------------
    # Land-use draw on motivated offenders, relative to a residential cell (routine
    # activity theory: targets and absent guardians concentrate where people pass; Groff
    # 2007). Assumptions; they shape where crime happens, the baseline sets its level.
    attractiveness_commercial: float = _p(
        2.0, 1.0, 4.0, "static attractiveness of a commercial cell vs residential (assumption)"
    )
    attractiveness_street: float = _p(
        1.5, 0.8, 3.0, "static attractiveness of a street/transit cell vs residential (assumption)"
    )
    attractiveness_school: float = _p(
        0.8, 0.4, 1.5, "static attractiveness of a school cell vs residential (assumption)"
    )
    attractiveness_car_park: float = _p(
        1.5, 0.8, 3.0, "static attractiveness of a car-park cell vs residential (assumption)"
    )
    attractiveness_village: float = _p(
        0.6, 0.3, 1.2, "static attractiveness of an urban-village cell vs residential (assumption)"
    )
    attractiveness_heterogeneity: float = _p(
        0.5, 0.2, 1.0,
        "sd of the log-normal spread of static attractiveness between cells of one land use; "
        "fixed hot spots (Short et al. 2008); crime concentrates in few places (assumption)",
    )  # fmt: skip
    # The baseline crime mix: the share of offender crimes at a cell that are robbery or
    # snatching rather than theft, by land use (assumptions: robbery where people pass).
    robbery_share_residential: float = _p(
        0.10, 0.03, 0.25, "robbery share of offender crime in residential cells (assumption)"
    )
    robbery_share_commercial: float = _p(
        0.35, 0.15, 0.55, "robbery share of offender crime in commercial cells (assumption)"
    )
    robbery_share_street: float = _p(
        0.60, 0.35, 0.85, "robbery and snatching share on streets and transit squares (assumption)"
    )
    robbery_share_school: float = _p(
        0.40, 0.15, 0.6, "robbery share of offender crime around schools (assumption)"
    )
    robbery_share_car_park: float = _p(
        0.0, 0.0, 0.15, "robbery share in car parks: vehicle crime dominates (assumption)"
    )
    robbery_share_village: float = _p(
        0.10, 0.03, 0.25, "robbery share of offender crime in urban villages (assumption)"
    )
    clearance_memory_days: float = _p(
        90.0, 30.0, 365.0,
        "days over which offenders take in a change in arrest risk (moving average); "
        "perceived certainty updates with experience over months (Nagin 2013; assumption)",
    )  # fmt: skip
    # Share of each kind of event that reaches the police as a call. The reports give
    # totals of calls, not reporting rates; ranges from victim surveys' typical reporting
    # (property crime with loss and robbery mostly reported, minor disputes rarely).
    reporting_burglary_theft: float = _p(
        0.7, 0.4, 0.9, "share of burglaries and thefts reported to police (assumption)"
    )
    reporting_robbery: float = _p(
        0.85, 0.5, 0.95, "share of robberies and snatchings reported to police (assumption)"
    )
    reporting_dispute_violence: float = _p(
        0.95, 0.7, 1.0, "share of violent dispute cases reported to police (assumption)"
    )
    reporting_other_criminal: float = _p(
        0.6, 0.3, 0.9, "share of other criminal cases reported to police (assumption)"
    )
    reporting_public_order: float = _p(
        0.8, 0.5, 0.95, "share of public-order cases that reach police as calls (assumption)"
    )
    reporting_disputes_new: float = _p(
        0.15, 0.02, 0.4, "share of new neighbour and family disputes phoned in (assumption)"
    )
    catchment_cells: int = Field(
        2, ge=1, le=4,
        json_schema_extra={"low": 1, "high": 4,
                           "evidence": "width of the catchment ring, cells of ~100 m; "
                                       "displacement studies use 200-400 m buffers "
                                       "(Bowers & Johnson 2003; Johnson & Bowers 2004)"},
    )  # fmt: skip
    # --- People's mediators (人民调解员): no controlled evaluation, wide priors ------
    mediators_per_1000_households_half: float = _p(
        2.0, 0.5, 10.0,
        "mediators per 1,000 households at which a found dispute reaches one with "
        "probability 1 − 1/e; an assumption: the reports give mediator counts (Tongren "
        "14,889) but not how many disputes each takes on",
        prior=_log_uniform("no evaluation of people's mediation (evidence.md)"),
    )  # fmt: skip
    mediator_unsettled_cut: float = _p(
        0.5, 0.0, 0.9,
        "share by which a mediator lowers a found dispute's chance of staying unsettled; "
        "an assumption: no controlled evaluation of people's mediation exists",
        prior={"shape": "uniform", "source": "no evaluation of people's mediation (evidence.md)"},
    )  # fmt: skip

    @classmethod
    def bounds(cls) -> dict[str, tuple[float, float]]:
        out = {}
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            assert isinstance(extra, dict)
            out[name] = (float(extra["low"]), float(extra["high"]))  # type: ignore[arg-type]
        return out

    @classmethod
    def priors(cls) -> dict[str, dict[str, Any]]:
        """Each parameter's calibration prior within its bounds (uniform where none is given)."""
        out = {}
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            assert isinstance(extra, dict)
            prior = extra.get("prior") or {"shape": "uniform", "source": "bounds only"}
            out[name] = dict(prior)  # type: ignore[arg-type]
        return out

    @classmethod
    def evidence(cls) -> dict[str, str]:
        return {
            name: str((field.json_schema_extra or {}).get("evidence", ""))  # type: ignore[union-attr]
            for name, field in cls.model_fields.items()
        }


def resolve(
    scenario: Scenario,
    fitted: MechanismParameters | Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> MechanismParameters:
    """The parameters a run uses, by one rule of precedence, lowest first: the evidence
    defaults, then ``fitted`` values (a calibration's result or trial), then the
    scenario's own ``parameters:``, then ``overrides`` (a sweep or sensitivity point).

    A scenario that fixes a parameter keeps it against a fit; an explicit point of a
    sweep or sensitivity design is what it says it is.

    **Examples**::

        resolve(scenario)                          # defaults + the scenario's own
        resolve(scenario, fitted=load_parameters("fitted.yaml"))
        resolve(scenario, overrides={"patrol_deterrence": 0.1})
    """
    if isinstance(fitted, MechanismParameters):
        fitted = fitted.model_dump()
    return MechanismParameters(**{**(fitted or {}), **scenario.parameters, **(overrides or {})})
