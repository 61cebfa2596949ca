"""How strong each mechanism is: one place, defaults from the evidence, shared by all cities.

Every field carries ``low``/``high`` bounds (the range the evidence allows, used as the
calibration prior) and the evidence it rests on. docs/odd.md cites the originals.
Calibration fits these; scenarios may override them under ``parameters:``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _p(
    default: float, low: float, high: float, evidence: str, prior: dict[str, Any] | None = None
) -> Any:
    extra: dict[str, Any] = {"low": low, "high": high, "evidence": evidence}
    if prior is not None:
        extra["prior"] = prior
    return Field(default, ge=min(low, default), le=max(high, default), json_schema_extra=extra)


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
        "per day; Short et al. 2008 omega; repeat risk >12x in month 1, <2x by 6 months "
        "(Polvi et al. 1991) puts the half-life at 1-10 weeks",
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
        "extra choice weight of a just-victimised home; Farrell & Pease 1993: >12x in month 1",
    )  # fmt: skip
    repeat_victim_decay_days: float = _p(
        30.0, 7.0, 90.0,
        "e-folding days of repeat risk; half of repeats within 7 days, <2x at 6 months",
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
    # --- Cameras (Welsh & Farrington 2009; Piza et al. 2019) ------------------------
    camera_deterrence: float = _p(
        0.16, 0.0, 0.4,
        "fall in offending at a fully covered cell, all settings; Welsh & Farrington 2009: -16%; "
        "car parks x3.2 (-51%), city centres x0.45 (-7%) are fixed ratios from the same review",
        prior=_normal(0.15, 0.07, "Welsh & Farrington 2009: -16 % (41 studies); "
                                  "Piza et al. 2019: about -13 %"),
    )  # fmt: skip
    camera_detection: float = _p(
        0.15, 0.0, 0.5, "extra arrest probability under full coverage; Piza et al. 2019"
    )
    cameras_per_cell_half_cover: float = _p(
        3.0, 0.5, 10.0, "cameras in a cell giving it 1 - 1/e coverage (assumption)"
    )
    # --- Patrols (Braga et al. 2019; Koper 1995; Ratcliffe et al. 2011) -------------
    patrol_deterrence: float = _p(
        0.23, 0.05, 0.5,
        "fall in offending at a saturated hot spot; Ratcliffe et al. 2011: -23% violent crime; "
        "Braga & Weisburd 2020: -8 to -16% mean",
        prior=_normal(0.2, 0.08, "Braga & Weisburd 2020: -8 to -16 % mean; "
                                 "Ratcliffe et al. 2011: -23 % in saturated beats"),
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
        0.15, 0.0, 0.5, "extra arrest probability at a saturated hot spot"
    )
    patrol_diffusion: float = _p(
        0.3, 0.0, 1.0,
        "share of a hot spot's deterrence felt in its 8 neighbours; Weisburd et al. 2006; "
        "Braga et al. 2019: diffusion outweighs displacement",
    )  # fmt: skip
    hot_spot_window_days: float = _p(
        28.0, 7.0, 90.0, "days of recent crime that set where patrols go (crime analysis lag)"
    )
    # --- Guardianship and collective efficacy (Bennett et al. 2008; Sampson 1997) ---
    guardianship_effect: float = _p(
        0.2, 0.05, 0.35,
        "fall in offending where volunteers saturate a cell; Bennett, Holloway & Farrington "
        "2008: -16% to -26%",
        prior=_normal(0.21, 0.05, "Bennett, Holloway & Farrington 2008: OR 1.19-1.36, "
                                  "-16 to -26 %"),
    )  # fmt: skip
    volunteers_per_100_households_half: float = _p(
        10.0, 1.0, 50.0, "volunteer density giving 1 - 1/e of full guardianship (assumption)"
    )
    collective_efficacy_effect: float = _p(
        0.3, 0.0, 0.6,
        "fall in dispute escalation for ten-household-unit members; Sampson et al. 1997",
    )  # fmt: skip
    unit_report_per_day: float = _p(
        0.02, 0.0, 0.1, "daily chance a unit member's dispute is passed to a mediator"
    )
    # --- Target hardening (Tseloni et al. 2017) -------------------------------------
    lock_protection: float = _p(
        0.5, 0.2, 0.8, "share of burglary attempts a high-grade lock defeats; Tseloni et al. 2017"
    )
    alarm_protection: float = _p(
        0.1, 0.0, 0.4, "alarms alone gave little or no protection (Tseloni et al. 2017)"
    )
    anti_climb_protection: float = _p(
        0.3, 0.0, 0.6, "window/climb barriers; combined devices >=20x (Tseloni et al. 2017)"
    )
    home_camera_protection: float = _p(0.2, 0.0, 0.5, "home monitors (assumption)")
    secured_parking_protection: float = _p(
        0.5, 0.2, 0.8, "theft prevented in secured parking; Welsh & Farrington car parks -51%"
    )
    homes_per_anti_climb: float = _p(
        1.0, 0.2, 5.0, "homes protected by one anti-climb installation (assumption)"
    )
    # --- Grid workers and disputes (民转刑; Epstein 2002 as template) ---------------
    dispute_escalation_per_day: float = _p(
        0.004,
        0.0005,
        0.02,
        "daily hazard that an unmediated dispute turns violent (民转刑)",
        prior=_log_uniform("no published escalation rate (evidence.md, disputes turning violent)"),
    )
    dispute_fight_per_day: float = _p(
        0.005, 0.0, 0.05, "daily hazard that an unmediated dispute gives a public-order case"
    )
    dispute_fade_per_day: float = _p(
        0.03, 0.005, 0.2, "daily hazard that a dispute settles by itself"
    )
    grid_visit_detection: float = _p(
        0.7,
        0.2,
        1.0,
        "chance a grid worker's visit uncovers a live dispute",
        prior={"shape": "uniform", "source": "no evaluation of grid management (evidence.md)"},
    )
    mediation_success: float = _p(
        0.9, 0.5, 1.0, "share of found disputes settled; Suizhou reports >98% (an upper bound)"
    )
    hardening_advice: float = _p(
        0.002, 0.0, 0.02, "chance a grid visit leads a home to fit a better lock"
    )
    # --- Sense of security (Hinkle & Weisburd 2008; Gill et al. 2014) --------------
    fear_own_victimisation: float = _p(
        2.0, 0.5, 4.0, "logit drop in feeling safe after being victimised"
    )
    fear_memory_days: float = _p(180.0, 30.0, 720.0, "e-folding days of a victim's fear")
    fear_local_crime: float = _p(
        0.8,
        0.0,
        3.0,
        "logit drop per local crime per 100 households per month",
        prior=_normal(
            0.8, 0.6, "Hinkle & Weisburd 2008: crime weighs less on fear than disorder does"
        ),
    )
    fear_disorder: float = _p(
        1.2, 0.0, 4.0,
        "logit drop per local public-order case per 100 households per month; disorder "
        "drives fear more than crime (Hinkle & Weisburd 2008; Innes & Fielding 2002)",
        prior=_normal(1.2, 0.8, "Hinkle & Weisburd 2008; Innes & Fielding 2002: disorder "
                                "drives fear more than crime"),
    )  # fmt: skip
    safety_patrol_visibility: float = _p(
        0.3, -0.2, 1.0,
        "logit gain where foot patrols are seen; Gill et al. 2014: foot patrol raises felt safety",
    )  # fmt: skip
    safety_guardianship: float = _p(
        0.4,
        0.0,
        1.0,
        "logit gain where volunteers are present (visible guardianship)",
        prior=_normal(0.2, 0.3, "Gill et al. 2014: community policing, little effect on fear"),
    )
    safety_spread: float = _p(1.2, 0.3, 3.0, "sd of households' own disposition to feel safe")
    safety_adaptation_days: float = _p(
        60.0, 7.0, 365.0, "days for felt safety to catch up with a changed neighbourhood"
    )

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
