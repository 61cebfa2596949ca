"""A one-page HTML brief of a results folder: a run, a comparison, a sweep, a sensitivity
screening or an optimisation.

The brief answers four questions in plain words: what was asked, what the model says
(every figure with its 90 % interval), what that rests on (the source reports by title,
issuer and date, the scenario's assumptions, the calibration status) and what the model
cannot say. Figures are drawn from the folder's CSVs and embedded as base64 PNG, so the
file stands alone. The page is a Jinja2 template shipped with the package.

**Examples**::

    from safesim.reports.brief import write_brief
    write_brief("results/guichi-optimize")             # results/guichi-optimize/brief.html
    write_brief("results/guichi-optimize", lang="zh")  # in Chinese throughout (needs a CJK font)

Each kind's brief is built in ``safesim.reports`` (``brief_runs``: run, sweep and
sensitivity; ``brief_compare``; ``brief_optimize``), on the shared wording of
``brief_words``.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from safesim.reports.brief_compare import brief_compare
from safesim.reports.brief_optimize import brief_optimize
from safesim.reports.brief_runs import brief_run, brief_sensitivity, brief_sweep
from safesim.reports.brief_words import _LANG, TEMPLATE, TEXT, Brief, BriefError, say
from safesim.reports.plotting import PLOTTERS, PlotError, detect_kind, folder_language, plot_results

BUILDERS = {
    "run": brief_run,
    "compare": brief_compare,
    "sweep": brief_sweep,
    "sensitivity": brief_sensitivity,
    "optimize": brief_optimize,
}


def render(brief: Brief, lang: str = "en", made: str = "") -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("safesim", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    if lang == "zh":  # the reports' issuers and dates in Chinese; titles stay as printed
        brief = dataclasses.replace(brief, sources=[s.in_chinese() for s in brief.sources])
    return env.get_template(TEMPLATE).render(
        brief=brief,
        t=TEXT[lang],
        lang="zh-CN" if lang == "zh" else "en",
        made=made,
    )


#: The last second of 9999-12-31: later times cannot be written as a date.
LATEST_UNIX = 253_402_300_799


def made_on(folder: Path, manifest: dict[str, Any]) -> str:
    """The day the results were made (``created_unix``), or ""; the manifest fields the
    brief reads are checked here, so a damaged manifest is one ``BriefError``."""
    where = folder / "manifest.json"
    invocation = manifest.get("invocation")
    if invocation is not None and not isinstance(invocation, dict):
        raise BriefError(f"{where}: invocation: expected a mapping")
    for key, want in (("scenario_file", str), ("scenario", str)):
        value = manifest.get(key)
        if value is not None and not isinstance(value, want):
            raise BriefError(f"{where}: {key}: expected text, got {type(value).__name__}")
    for key in ("scenario_files", "scenarios"):
        value = manifest.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise BriefError(f"{where}: {key}: expected a list of text")
    created = manifest.get("created_unix")
    if created is None and invocation:
        created = invocation.get("created_unix")
    if created is None:
        return ""
    if (
        isinstance(created, bool)
        or not isinstance(created, int | float)
        or not (math.isfinite(created) and 0 <= created <= LATEST_UNIX)
    ):
        raise BriefError(
            f"{where}: created_unix: {str(created)[:40]!r} is not a time (seconds since 1970)"
        )
    return datetime.fromtimestamp(int(created), UTC).strftime("%Y-%m-%d")


def files_dated(folder: Path, kind: str) -> str:
    """For a folder whose manifest gives no date (or that has none: results written
    before manifests, or tables copied without theirs), the day its result files were
    last written, said as such."""

    times = [(folder / n).stat().st_mtime for n in PLOTTERS[kind].files if (folder / n).is_file()]
    if not times:
        return ""
    day = datetime.fromtimestamp(int(max(times)), UTC).strftime("%Y-%m-%d")
    return say(f"{day} (the date of its files)", f"{day}（文件日期）")


def write_brief(folder: str | Path, lang: str | None = None) -> Path:
    """Draw the folder's figures (in ``lang``; by default the language the folder was
    written in) and write ``brief.html`` next to them."""
    path = Path(folder)
    try:
        kind, manifest = detect_kind(path)
        lang = lang or folder_language(manifest)
        if kind not in BUILDERS:
            raise BriefError(f"{path}: no brief for results of kind {kind!r}")
        made = made_on(path, manifest)  # checked before any figure is drawn
        plot_results(path, "png", lang=lang)
        token = _LANG.set(lang)
        try:
            made = made or files_dated(path, kind)
            brief = BUILDERS[kind](path, manifest)
        finally:
            _LANG.reset(token)
    except PlotError as exc:
        raise BriefError(str(exc)) from None
    from safesim.experiments.runner import atomic_write_text

    out = path / "brief.html"
    atomic_write_text(out, render(brief, lang, made))
    return out
