"""Figures of a results folder: ``safesim plot RESULTS_DIR`` draws what the folder holds.

A results folder says what it is in manifest.json's ``kind``, and its files must match the
hashes the manifest lists; a folder without a manifest is refused. Each kind has one
plotter, registered with ``@plotter(kind, files)``, that reads the folder's CSVs and
writes its figures next to them, so a new kind of results (a calibration, say) needs only
a new registered function.

- ``run`` (daily.csv, summary.csv): crime by type and the sense of security over time,
  replicate mean with a 90 % band, the campaign period shaded; and each summary figure's
  simulated mean and 90 % interval beside the report's own value where it gives one.
- ``sweep`` (runs.csv): dose-response curves per varied axis with 90 % intervals computed
  from the runs, a heat map when two axes are varied, and cost per crime averted where
  runs.csv has it.

Figures are drawn on matplotlib's Agg canvas (no display, no global backend change).
Every bad input is a ``PlotError`` whose message names the file.

**Examples**::

    from safesim.reports.plotting import plot_results
    written = plot_results("results/small")          # list of PNG paths
    plot_results("results/patrol-sweep", fmt="svg")

The pieces live in ``safesim.reports``: ``figures`` (the registry, reading, saving),
``labels`` (the words, in English and Chinese), and one module per group of result kinds
(``plot_runs``, ``plot_sweeps``, ``plot_decisions``). Importing this module registers
every kind.
"""

from __future__ import annotations

# Each plot_* module registers its kinds when imported.
from safesim.reports import plot_decisions, plot_runs, plot_sweeps  # noqa: F401
from safesim.reports.figures import PLOTTERS as PLOTTERS
from safesim.reports.figures import PlotError as PlotError
from safesim.reports.figures import cjk_font as cjk_font
from safesim.reports.figures import detect_kind as detect_kind
from safesim.reports.figures import folder_language as folder_language
from safesim.reports.figures import plot_results as plot_results
from safesim.reports.figures import read_csv as read_csv
from safesim.reports.labels import METRIC_LABELS as METRIC_LABELS
from safesim.reports.labels import ZH as ZH
from safesim.reports.labels import axis_label as axis_label
from safesim.reports.labels import summary_label as summary_label
from safesim.reports.labels import zh_label as zh_label
from safesim.reports.plot_decisions import compare_figure as compare_figure
from safesim.reports.plot_decisions import front_figure as front_figure
from safesim.reports.plot_decisions import sensitivity_figure as sensitivity_figure
from safesim.reports.plot_runs import RUN_EFFECT_COLUMNS as RUN_EFFECT_COLUMNS
from safesim.reports.plot_runs import effects_figure as effects_figure
from safesim.reports.plot_runs import run_crime_figure as run_crime_figure
from safesim.reports.plot_runs import run_effects as run_effects
from safesim.reports.plot_runs import run_security_figure as run_security_figure
from safesim.reports.plot_runs import run_summary_figure as run_summary_figure
from safesim.reports.plot_sweeps import cost_figure as cost_figure
from safesim.reports.plot_sweeps import dose_response_figure as dose_response_figure
from safesim.reports.plot_sweeps import heatmap_figure as heatmap_figure
