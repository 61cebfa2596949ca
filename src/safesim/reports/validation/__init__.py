"""Stylised facts: the model's figures beside the literature's, judged by a fixed protocol.

Every fact, how it is measured and the range the literature gives for it are listed in
the validation protocol (``validation_protocol.yaml``, shipped with the package), which is
fixed before any parameter is set and changes only with a new cited source. This module
holds no range: it measures, and :func:`verdict` applies the protocol's rules.

- **intervention effects**: each intervention alone, at the doses the shipped scenarios
  use (scenarios/small.yaml: Guiyang's doses per household), in the place it treats,
  against its counterfactual twin on the same seed (common random numbers);
- **crime patterns** of the no-intervention city: repeat victimisation and its timing, a
  Knox table of near repeats by distance band × time band with Monte-Carlo significance,
  concentration of crime in few places beside what random spread of the same count gives;
- **dynamics**: decay once patrols stop, spill-over into the surrounding cells (diffusion
  or displacement), stationarity of the no-intervention city over several years;
- **out of sample**: Guichi's 2021 dispute and violent-case counts.

Ratios are pooled over replicates (total in the mix over total in the twin, or observed
over expected) with a 90 % interval from resampling replicates; per-replicate figures
(shares, counts) give their mean and the 5th–95th percentiles across replicates. Every
draw is seeded, so the same settings give the same file, with any number of workers.

**Examples**::

    from safesim.reports.validation import load_protocol, settings_for, run_validation, render
    protocol = load_protocol()
    settings = settings_for(protocol, "quick")
    facts = run_validation(settings, protocol)
    text = render(facts, settings, protocol)
"""

from __future__ import annotations

from safesim.reports.validation.measure import (
    STATIONARY_COLUMNS,
    Report,
    Validation,
    run_validation,
)
from safesim.reports.validation.patterns import (
    CONCENTRATION_SHARE,
    RANDOM_SPREAD_DRAWS,
    REPEAT_TIMING_WINDOWS,
    REPEAT_WINDOWS,
    KnoxSummary,
    PatternTask,
    block_ratio,
    knox_table,
    monte_carlo_p,
    places_holding,
    random_spread_holding,
    repeat_timing,
    repeat_victimisation,
    same_block_burglaries,
    top_share,
)
from safesim.reports.validation.report import (
    render,
    summary_line,
    tally,
)
from safesim.reports.validation.rules import (
    BOOTSTRAP_DRAWS,
    CELL_METRES,
    INSIDE,
    NO_RANGE,
    OUTSIDE,
    OVERLAPS,
    PROTOCOL_FILE,
    SETS_PARAMETER,
    TOO_FEW_EVENTS,
    UNDETERMINED,
    VERDICTS,
    Fact,
    ProtocolError,
    Settings,
    as_change,
    load_protocol,
    pooled_ratio,
    resampled,
    settings_for,
    spread,
    verdict,
)
from safesim.reports.validation.runs import (
    DECAY_DELIVERY_DAYS,
    DECAY_RECENT_DAYS,
    DECAY_WINDOW_DAYS,
    AreaObserver,
    Counts,
    DecayObserver,
    GuichiTask,
    NoObserver,
    Observer,
    PairTask,
    StationarityTask,
    campaign_only,
    count_in,
    full_strength_day,
    offender_cells,
    only,
    plain,
    ring,
    run_pair,
    run_tasks,
    shipped_or_local,
    treated_today,
)

__all__ = [
    "BOOTSTRAP_DRAWS",
    "CELL_METRES",
    "CONCENTRATION_SHARE",
    "DECAY_DELIVERY_DAYS",
    "DECAY_RECENT_DAYS",
    "DECAY_WINDOW_DAYS",
    "INSIDE",
    "NO_RANGE",
    "OUTSIDE",
    "OVERLAPS",
    "PROTOCOL_FILE",
    "RANDOM_SPREAD_DRAWS",
    "REPEAT_TIMING_WINDOWS",
    "REPEAT_WINDOWS",
    "SETS_PARAMETER",
    "STATIONARY_COLUMNS",
    "TOO_FEW_EVENTS",
    "UNDETERMINED",
    "VERDICTS",
    "AreaObserver",
    "Counts",
    "DecayObserver",
    "Fact",
    "GuichiTask",
    "KnoxSummary",
    "NoObserver",
    "Observer",
    "PairTask",
    "PatternTask",
    "ProtocolError",
    "Report",
    "Settings",
    "StationarityTask",
    "Validation",
    "as_change",
    "block_ratio",
    "campaign_only",
    "count_in",
    "full_strength_day",
    "knox_table",
    "load_protocol",
    "monte_carlo_p",
    "offender_cells",
    "only",
    "places_holding",
    "plain",
    "pooled_ratio",
    "random_spread_holding",
    "render",
    "repeat_timing",
    "repeat_victimisation",
    "resampled",
    "ring",
    "run_pair",
    "run_tasks",
    "run_validation",
    "same_block_burglaries",
    "settings_for",
    "shipped_or_local",
    "spread",
    "summary_line",
    "tally",
    "top_share",
    "treated_today",
    "verdict",
]
