"""Safe on any input, reproducible on any machine: one test per problem found by hand.

Each test names the problem it guards against: bad files and arguments end in one line and
exit status 2 with nothing written; results are one set that ``plot`` checks against its
manifest; every command's manifest says how it was made.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from safesim.core.loading import InputError, parse_yaml
from safesim.core.scenario import load_scenario
from safesim.experiments.results import folder_lock, write_result_set
from safesim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
SMALL_TEXT = SMALL.read_text(encoding="utf-8")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if x.strip() and not x.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def variant(tmp_path: Path, old: str, new: str, text: str = SMALL_TEXT) -> Path:
    assert old in text, old
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# ------------------------------------------------------------------ parsing (3, 4)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: 1\na: 2\n", ["line 2", "'a' given twice"]),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", ["nested deeper"]),
        ("a: 2013-02-30\n", ["line 1", "not a valid date"]),
        ("a: 9999-12-31\n", ["a:", "lies outside"]),
        ("a: 0001-01-01\n", ["a:", "lies outside"]),
        ("a: .inf\n", ["a:", "not a finite number"]),
        ("a: .nan\n", ["a:", "not a finite number"]),
        ("a: 1.0e+308\n", ["a:", "out of range"]),
        ("a: &x [1, 2]\nb: *x\n", ["aliases"]),
        ("a: {<<: {b: 1}}\n", ["merge keys"]),
    ],
)
def test_every_parse_problem_is_an_input_error(text: str, words: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "f.yaml")
    message = str(caught.value)
    assert message.startswith("f.yaml")
    for word in words:
        assert word in message, message


def test_yaml_11_booleans_stay_text() -> None:
    assert parse_yaml("a: yes\nb: NO\nc: on\nd: true\n", "f") == {
        "a": "yes", "b": "NO", "c": "on", "d": True,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("value: 20000", 'value: "12"', ["city.households", "'12' is not a whole number"]),
        ("value: 20000", 'value: " 5"', ["city.households", "not a whole number"]),
        ("value: 20000", "value: NO", ["city.households", "'NO' is not a whole number"]),
        ("value: 20000", "value: yes", ["city.households", "not a whole number"]),
        ("value: 20000", "value: .inf", ["city.households", "not a finite number"]),
        ("value: 20000", "value: 1.0e+30", ["city.households", "out of range"]),
        ("value: 20000", "value: 2000000000", ["city.households", "must be ≤"]),
        ("burn_in_days: 120", "burn_in_days: 1000000", ["calendar.burn_in_days", "≤ 3650"]),
        ("start: 2012-01-01", "start: 2013-02-30", ["line", "not a valid date"]),
        ("end: 2013-12-31", "end: 2099-12-31", ["calendar.end", "spans"]),
        ("seed: 7", "seed: 1" + "0" * 400, ["seed", "401-digit number is out of range"]),
        ("seed: 7", "seed: -1" + "0" * 400, ["seed", "out of range"]),
        ("seed: 7", "seed: 1000000000", ["seed", "must be ≤"]),
        ("value: 20000", "value: 2" + "0" * 400, ["city.households", "out of range"]),
        ("start: 2012-01-01", "start: 2012-01-01T12:00:00", ["calendar.start", "date and time"]),
        ("value: 2013-01-01", "value: 2013-01-01 08:00:00", ["campaign_start", "date and time"]),
    ],
)
def test_bad_scenario_values_are_one_line(tmp_path: Path, old: str, new: str, words) -> None:
    path = variant(tmp_path, old, new)
    out = tmp_path / "out"
    result = invoke("run", str(path), "--days", "2", "--out", str(out))
    one_line(result, str(path), *words)
    assert not out.exists()


@pytest.mark.parametrize("seed", ["100000001", "1" + "0" * 400, "9" * 5000, "-1", "1e3"])
@pytest.mark.parametrize("command", ["run", "sweep", "compare", "optimize"])
def test_command_line_seeds_are_capped_as_scenario_seeds(
    tmp_path: Path, command: str, seed: str
) -> None:
    out = tmp_path / "out"
    args = [command, str(SMALL), "--seed", seed, "--out", str(out)]
    if command == "sweep":
        args += ["--vary", "interventions.cameras.count=0,10"]
    if command == "compare":
        args.insert(2, str(SMALL))
    if command == "optimize":
        args += ["--budget", "1000000"]
    one_line(invoke(*args), "--seed")
    assert not out.exists()


def test_sweep_file_seeds_are_capped(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        "seed: 100000001\naxes:\n  interventions.cameras.count: [0, 10]\n", encoding="utf-8"
    )
    result = invoke("sweep", str(SMALL), "--sweep-file", str(spec), "--out", str(tmp_path / "o"))
    one_line(result, str(spec), "seed")


def test_duplicate_keys_and_encoding_are_refused(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text(SMALL_TEXT + "seed: 3\nseed: 4\n", encoding="utf-8")
    one_line(invoke("run", str(dup), "--out", str(tmp_path / "o")), str(dup), "given twice")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(SMALL_TEXT.replace("a", "é").encode("latin-1", errors="replace"))
    one_line(invoke("run", str(latin), "--out", str(tmp_path / "o")), str(latin), "not UTF-8")
    assert not (tmp_path / "o").exists()


def test_days_past_the_calendar_and_cities_too_big(tmp_path: Path) -> None:
    out = tmp_path / "o"
    one_line(invoke("run", str(SMALL), "--days", "100000", "--out", str(out)), "past the calendar")
    huge = variant(tmp_path, "value: 20000", "value: 100000000")
    one_line(invoke("run", str(huge), "--out", str(out)), "city.households")
    assert not out.exists()


def test_no_offenders_is_warned(tmp_path: Path) -> None:
    scenario = load_scenario(SMALL)
    offenders = f"value: {scenario.city.offenders.value}"
    path = variant(tmp_path, offenders, "value: 0")
    result = invoke("run", str(path), "--days", "2", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "city.offenders: 0" in result.stderr


# ------------------------------------------------------------------ names and --out (5, 7)


@pytest.mark.parametrize("name", ["..", ".", "a/b", "x" * 300, ".hidden"])
def test_names_cannot_leave_out(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    path = variant(tmp_path, "name: small", f"name: '{name}'")
    one_line(invoke("run", str(path), "--days", "2", "--out", str(out)), "name")
    for command in ("sweep", "sensitivity"):
        args = [command, str(SMALL), "--name", name, "--out", str(out), "--days", "2"]
        if command == "sweep":
            args += ["--vary", "interventions.cameras.count=0,10"]
        one_line(invoke(*args), "--name")
    assert sorted(os.listdir(tmp_path)) == ["variant.yaml"]


def test_out_problems_surface_before_the_simulation(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    one_line(invoke("run", str(SMALL), "--out", str(blocker)), "--out", "is a file")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "small").write_text("x", encoding="utf-8")
    one_line(invoke("run", str(SMALL), "--out", str(tmp_path / "o")), "not a folder")
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "ro"
        locked.mkdir(mode=0o500)
        one_line(invoke("run", str(SMALL), "--out", str(locked)), "not writable")


def test_click_usage_errors_are_one_line() -> None:
    one_line(invoke("run", str(SMALL), "--days", "zero"), "--days")
    one_line(invoke("sensitivity", str(SMALL), "--trajectories", "1e8"), "--trajectories")
    one_line(invoke("run"), "SCENARIO")


# ------------------------------------------------------------------ planning caps (8)


@pytest.mark.parametrize(
    "vary",
    [
        ["interventions.cameras.count=0:1000000:1000000"],
        ["interventions.cameras.count=0:999:1000", "interventions.patrols.officers=0:999:1000"],
    ],
)
def test_sweep_plans_are_capped(tmp_path: Path, vary: list[str]) -> None:
    args = ["sweep", str(SMALL), "--out", str(tmp_path / "o")]
    for axis in vary:
        args += ["--vary", axis]
    one_line(invoke(*args), "at most")
    assert not (tmp_path / "o").exists()


def test_sensitivity_plans_are_capped(tmp_path: Path) -> None:
    result = invoke(
        "sensitivity", str(SMALL), "--trajectories", "100000000", "--out", str(tmp_path)
    )
    one_line(result, "--trajectories", "at most")


def test_sweeps_vary_any_numeric_path(tmp_path: Path) -> None:
    args = ["sweep", str(SMALL), "--vary", "parameters.patrol_deterrence=0.1,0.2"]
    args += ["--vary", "city.households=10000,12000", "--replicates", "1", "--days", "2"]
    result = invoke(*args, "--out", str(tmp_path), "--name", "any")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "any" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["axes"]) == {"parameters.patrol_deterrence", "city.households"}
    assert manifest["points"] == 5


# ------------------------------------------------------------------ one set (6)


def test_a_mixed_or_truncated_set_is_refused(tmp_path: Path) -> None:
    for seed, name in ((1, "a"), (2, "b")):
        result = invoke(
            "run", str(SMALL), "--days", "3", "--seed", str(seed), "--out", str(tmp_path / name)
        )
        assert result.exit_code == 0, result.output
    a, b = tmp_path / "a" / "small", tmp_path / "b" / "small"
    # A run killed after daily.csv landed beside an older set.
    (a / "daily.csv").write_bytes((b / "daily.csv").read_bytes())
    one_line(invoke("plot", str(a)), "daily.csv", "does not match manifest.json")
    # A daily.csv cut mid-line.
    raw = (b / "daily.csv").read_bytes()
    (b / "daily.csv").write_bytes(raw[: len(raw) // 2])
    one_line(invoke("plot", str(b)), "daily.csv")


def test_a_set_replaces_the_old_one_whole(tmp_path: Path) -> None:
    out = tmp_path / "set"
    write_result_set(out, {"a.csv": "x\n1\n", "b.csv": "y\n2\n"}, {"kind": "run"})
    write_result_set(out, {"a.csv": "x\n3\n"}, {"kind": "run"})
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["a.csv"]["bytes"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["set"]  # no staging folder left


def test_a_second_writer_of_one_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "results" / "s"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with folder_lock(out):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        args = ["sweep", str(SMALL), "--vary", "interventions.cameras.count=0,10"]
        args += ["--days", "2", "--replicates", "1", "--out", str(tmp_path / "results")]
        one_line(invoke(*args, "--name", "s"), "another safesim command")
    finally:
        release.set()
        thread.join()


# ------------------------------------------------------------------ manifests (10)


def test_every_manifest_says_how_it_was_made(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("patrol_deterrence: 0.2\n", encoding="utf-8")
    result = invoke(
        "run", str(SMALL), "--days", "3", "--parameters", str(params), "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "small" / "manifest.json").read_text(encoding="utf-8"))
    assert {"SALib", "optuna", "dask", "numpy", "mesa"} <= set(manifest["versions"])
    assert manifest["platform"]["cpu"] and manifest["platform"]["machine"]
    assert "run" in manifest["invocation"]["command"]
    assert manifest["invocation"]["wall_seconds"] >= 0
    assert manifest["inputs"]["parameters"]["sha256"] and manifest["inputs"]["scenario"]["sha256"]
    assert "git_commit" in manifest
    daily = (tmp_path / "small" / "daily.csv").read_text(encoding="utf-8").splitlines()
    assert manifest["files"]["daily.csv"]["rows"] == len(daily) - 1


def test_journals_hold_valid_json(tmp_path: Path) -> None:
    from safesim.experiments.sweeps import Journal

    journal = Journal(tmp_path, {"kind": "sweep"})
    journal.open(False, ())
    journal.write({"key": "k", "status": "ok", "outcomes": {"x": float("nan")}})
    text = (tmp_path / ".runs" / "k.json").read_text(encoding="utf-8")
    assert "NaN" not in text and json.loads(text)["outcomes"]["x"] is None


# ------------------------------------------------------------------ Morris (2)


def test_morris_samples_stay_within_bounds() -> None:
    from safesim.experiments.sensitivity import plan_sensitivity

    plan = plan_sensitivity(load_scenario(SMALL), str(SMALL), trajectories=10, days=400)
    lows = np.array([f.low for f in plan.factors])
    highs = np.array([f.high for f in plan.factors])
    assert (plan.samples >= lows).all() and (plan.samples <= highs).all()
    for task in plan.tasks()[:50]:
        from safesim.core.parameters import MechanismParameters

        MechanismParameters(**(task.parameters or {}))  # raises when out of bounds


# ------------------------------------------------------------------ optimize up front


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small.yaml with a unit cost on every intervention, so optimize can price mixes."""
    import yaml

    data = yaml.safe_load(SMALL_TEXT)
    for kind in ("grid_workers", "patrols", "cameras", "target_hardening", "volunteers"):
        data["interventions"][kind]["unit_cost_yuan"] = {"value": 1000, "assumption": "test"}
    path = tmp_path_factory.mktemp("priced") / "priced.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--budget", "inf"], ["--budget", "finite"]),
        (["--budget", "nan"], ["--budget", "finite"]),
        (["--budget", "-1"], ["--budget", "must be > 0"]),
        (["--budget", "1e300"], ["--budget", "unit_cost_yuan", "at most"]),
        (["--budget", "2e6", "--days", "30"], ["campaign_start", "--days 30", "before"]),
        (["--budget", "2e6", "--days", "366"], ["campaign_start", "more than 366"]),
        (["--budget", "2e6", "--days", "100000"], ["calendar", "past the calendar"]),
        (["--budget", "2e6", "--trials", "1000000000"], ["runs planned", "at most"]),
    ],
)
def test_optimize_refuses_what_cannot_finish(
    tmp_path: Path, priced: Path, extra: list[str], words: list[str]
) -> None:
    out = tmp_path / "out"
    result = invoke("optimize", str(priced), "--quick", *extra, "--out", str(out))
    one_line(result, *words)
    assert not out.exists()


def test_a_mix_that_cannot_be_scored_ends_the_search(
    tmp_path: Path, priced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    import safesim.experiments.optimize

    data = yaml.safe_load(priced.read_text(encoding="utf-8"))
    data["city"]["households"]["value"] = 2000
    data["city"]["offenders"]["value"] = 20
    data["calendar"]["burn_in_days"] = 5
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    real = safesim.experiments.optimize.effects
    monkeypatch.setattr(
        safesim.experiments.optimize,
        "effects",
        lambda mix, twin: real(mix, twin) | {"crimes_averted": np.nan},
    )
    args = ["optimize", str(tiny), "--budget", "2e6", "--trials", "4", "--population", "2"]
    result = invoke(*args, "--replicates", "1", "--days", "370", "--out", str(tmp_path / "o"))
    one_line(result, "trial 0", "not numbers")


# ------------------------------------------------------------------ scenario names and keys


@pytest.mark.parametrize("name", ["small", "small.yaml", "scenarios/small.yaml"])
def test_run_finds_a_shipped_scenario_by_name_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", name, "--days", "2", "--replicates", "1", "--out", "o")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "o" / "small" / "manifest.json").read_text("utf-8"))
    assert Path(manifest["inputs"]["scenario"]["path"]).name == "small.yaml"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "smal"], ["smal:", "no such file", "did you mean 'small'"]),
        (["run", "scenarios/guichy.yaml"], ["scenarios/guichy.yaml", "did you mean 'guichi'"]),
        (["run", "zzzz"], ["zzzz:", "shipped: ", "small"]),
        (["sweep", "smal", "--vary", "interventions.cameras.count=0,1"], ["did you mean"]),
        (["sensitivity", "smal"], ["did you mean 'small'"]),
        (["compare", "small", "tongrn"], ["tongrn:", "did you mean 'tongren'"]),
        (["optimize", "guich", "--budget", "1e6"], ["did you mean 'guichi'"]),
        (["run", "elsewhere/small.yaml"], ["elsewhere/small.yaml: no such file"]),
    ],
)
def test_a_mistyped_scenario_name_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], words: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    one_line(invoke(*args, "--out", "o"), *words)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("seed: 7", "sed: 7", ["sed: unknown key", "did you mean 'seed'"]),
        ("  households:", "  househlds:", ["city.househlds", "did you mean 'households'"]),
        ("  cameras:", "  camera:", ["interventions.camera", "did you mean 'cameras'"]),
        ("    value: 20000", "    valeu: 20000", ["city.households.valeu", "'value'"]),
        ("  campaign_start:", "  campaign_sart:", ["did you mean 'campaign_start'"]),
    ],
)
def test_a_mistyped_key_gets_the_closest_one(tmp_path: Path, old: str, new: str, words) -> None:
    path = variant(tmp_path, old, new)
    one_line(invoke("run", str(path), "--out", str(tmp_path / "o")), str(path), *words)


def test_an_unknown_key_far_from_any_gets_no_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "extra.yaml"
    path.write_text(SMALL_TEXT + "zebra: 1\n", encoding="utf-8")
    line = one_line(invoke("run", str(path), "--out", str(tmp_path / "o")), "zebra: unknown key")
    assert "did you mean" not in line


def test_mistyped_sweep_keys_and_axes_get_the_closest_one(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text("replicats: 2\naxes:\n  interventions.cameras.count: [0, 10]\n", "utf-8")
    out = ["--out", str(tmp_path / "o")]
    result = invoke("sweep", str(SMALL), "--sweep-file", str(spec), *out)
    one_line(result, str(spec), "replicats", "did you mean 'replicates'")
    result = invoke("sweep", str(SMALL), "--vary", "interventions.camera.count=0,1", *out)
    one_line(result, "interventions.camera.count", "did you mean 'cameras'")
    result = invoke("sweep", str(SMALL), "--vary", "parameters.patrol_deterence=0.1,0.2", *out)
    one_line(result, "did you mean 'patrol_deterrence'")
    assert not (tmp_path / "o").exists()


def test_a_missing_argument_points_to_the_help() -> None:
    one_line(invoke("run"), "Missing argument 'SCENARIO'", "safesim run --help")


def test_a_run_that_ends_before_the_campaign_says_so(tmp_path: Path) -> None:
    args = ["run", str(SMALL), "--days", "30", "--replicates", "2", "--out", str(tmp_path)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "campaign had not started" in result.stdout
    assert "nan" not in result.output.lower()
    assert "before the campaign starts" in result.stderr


def test_auto_replicates_refuse_a_run_that_ends_before_the_campaign(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("patrol_deterrence: 0.2\n", encoding="utf-8")
    args = ["run", str(SMALL), "--days", "30", "--replicates", "auto", "--parameters"]
    result = invoke(*args, str(params), "--out", str(tmp_path / "o"))
    one_line(result, "campaign_start", "--replicates auto")
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ damaged result folders


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good")
    result = invoke("run", str(SMALL), "--days", "3", "--replicates", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out / "small"


def _rehash(folder: Path, manifest: dict) -> dict:
    """The manifest with its file hashes made to match the (edited) files again."""
    from safesim.experiments.results import file_sha256

    for name, entry in manifest.get("files", {}).items():
        entry["sha256"] = file_sha256(folder / name)
        if entry.get("rows") is not None:
            entry["rows"] = len((folder / name).read_text("utf-8").splitlines()) - 1
    return manifest


def damaged(good: Path, tmp_path: Path, damage: str) -> Path:
    """A copy of ``good`` with one kind of damage."""
    import shutil

    folder = tmp_path / damage
    shutil.copytree(good, folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    daily = folder / "daily.csv"
    raw = {
        "manifest_list": "[]",
        "manifest_null": "null",
        "deep_json": "[" * 100_000 + "]" * 100_000,
        "deep_kind": '{"kind": ' + "[" * 5_000 + "]" * 5_000 + "}",
    }
    if damage in raw:
        path.write_text(raw[damage], encoding="utf-8")
        return folder
    if damage == "no_manifest":
        path.unlink()
        return folder
    if damage == "no_files":  # the files are intact: nothing lists them to check
        del manifest["files"]
        path.write_text(json.dumps(manifest), encoding="utf-8")
        return folder
    if damage == "header_only":
        daily.write_text(daily.read_text("utf-8").splitlines()[0] + "\n", encoding="utf-8")
    elif damage == "bad_date":
        lines = daily.read_text("utf-8").splitlines()
        column = lines[0].split(",").index("date")
        cells = lines[1].split(",")
        cells[column] = "2013-02-30"
        daily.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", "utf-8")
    elif damage == "truncated":
        text = daily.read_text("utf-8")
        daily.write_text(text[: len(text) // 2], encoding="utf-8")
        return folder  # its manifest no longer matches
    else:
        manifest |= {
            "kind_list": {"kind": ["run"]},
            "kind_dict": {"kind": {"a": 1}},
            "created_text": {"created_unix": "yesterday"},
            "created_huge": {"created_unix": 1e300},
            "created_list": {"invocation": {**manifest["invocation"], "created_unix": [1]}},
            "scenario_file_number": {"scenario_file": 5},
            "invocation_list": {"invocation": [1]},
            "campaign_list": {"campaign_start": [1]},
        }[damage]
    path.write_text(json.dumps(_rehash(folder, manifest)), encoding="utf-8")
    return folder


# (damage, words in the error, commands that must refuse it)
DAMAGES = [
    ("manifest_list", ["manifest.json", "expected a JSON object"], ("plot", "brief", "viz", "voi")),
    ("manifest_null", ["manifest.json", "expected a JSON object"], ("plot", "brief", "viz", "voi")),
    ("deep_json", ["manifest.json", "nested deeper"], ("plot", "brief", "viz", "voi")),
    ("deep_kind", ["manifest.json", "nested deeper"], ("plot", "brief", "viz", "voi")),
    ("kind_list", ["manifest.json", "kind: expected text"], ("plot", "brief", "viz", "voi")),
    ("kind_dict", ["manifest.json", "kind: expected text"], ("plot", "brief", "viz", "voi")),
    ("no_files", ["manifest.json", "files: missing"], ("plot", "brief", "viz", "voi")),
    ("no_manifest", ["no manifest.json"], ("plot", "brief", "viz", "voi")),
    ("header_only", ["daily.csv", "no rows"], ("plot", "brief", "viz")),
    ("bad_date", ["daily.csv", "'2013-02-30'", "not a date"], ("plot", "brief", "viz")),
    ("truncated", ["daily.csv", "does not match manifest.json"], ("plot", "brief", "viz")),
    ("created_text", ["manifest.json", "created_unix", "not a time"], ("brief",)),
    ("created_huge", ["manifest.json", "created_unix", "not a time"], ("brief",)),
    ("created_list", ["manifest.json", "created_unix"], ("brief",)),
    ("scenario_file_number", ["manifest.json", "scenario_file: expected text"], ("brief",)),
    ("invocation_list", ["manifest.json", "invocation"], ("brief",)),
    ("campaign_list", ["manifest.json", "campaign_start", "not a date"], ("viz",)),
]


@pytest.mark.parametrize(
    ("damage", "words", "command"),
    [(d, w, c) for d, w, commands in DAMAGES for c in commands],
)
def test_a_damaged_result_folder_is_one_line(
    run_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: str,
    words: list[str],
    command: str,
) -> None:
    import safesim.ui.cli

    # Were the folder accepted, viz would stop here instead of serving the page.
    monkeypatch.setattr(safesim.ui.cli, "_port_problem", lambda host, port: "accepted")
    folder = damaged(run_folder, tmp_path, damage)
    before = sorted(p.name for p in folder.iterdir())
    one_line(invoke(command, str(folder)), str(folder), *words)
    assert sorted(p.name for p in folder.iterdir()) == before  # no figure, no brief


def test_an_intact_result_folder_is_replayed(
    run_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import safesim.ui.cli

    monkeypatch.setattr(safesim.ui.cli, "_port_problem", lambda host, port: "accepted")
    one_line(invoke("viz", str(run_folder)), "accepted")  # got as far as serving it


@pytest.mark.parametrize(
    ("days", "words"),
    [("30", ["campaign_start", "before the campaign starts"]), ("100000", ["past the calendar"])],
)
def test_compare_refuses_days_that_leave_no_campaign(
    tmp_path: Path, days: str, words: list[str]
) -> None:
    out = tmp_path / "out"
    one_line(invoke("compare", "small", "small", "--days", days, "--out", str(out)), *words)
    assert not out.exists()


def test_days_that_cut_the_campaign_year_short_are_warned(tmp_path: Path) -> None:
    from safesim.experiments.batch import short_campaign_warning

    scenario = load_scenario(SMALL)
    assert short_campaign_warning(scenario, None) is None
    assert short_campaign_warning(scenario, scenario.calendar.days) is None
    assert short_campaign_warning(scenario, 30) is None  # not started: warned otherwise
    args = ["run", str(SMALL), "--days", "400", "--replicates", "1", "--out", str(tmp_path)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "hold 34 of the campaign's 365 days" in result.stderr


def test_damaged_journal_records_are_run_again(tmp_path: Path) -> None:
    args = ["sweep", str(SMALL), "--vary", "interventions.cameras.count=0,10", "--days", "2"]
    args += ["--replicates", "1", "--out", str(tmp_path), "--name", "s"]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    runs = (tmp_path / "s" / "runs.csv").read_bytes()
    journal = tmp_path / "s" / ".runs"
    journal.mkdir(exist_ok=True)
    damage = {
        "list.json": "[]",
        "nokey.json": '{"status": "ok"}',
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "outcomes.json": '{"key": "k", "seed": 1, "status": "ok", "outcomes": [1]}',
        "status.json": '{"key": "k", "seed": 1, "status": 3, "outcomes": {}}',
    }
    for name, text in damage.items():
        (journal / name).write_text(text, encoding="utf-8")
    again = invoke(*args)
    assert again.exit_code == 0, again.output
    assert "Traceback" not in again.output
    assert (tmp_path / "s" / "runs.csv").read_bytes() == runs


@pytest.mark.parametrize("command", ["compare", "optimize"])
def test_compare_and_optimize_refuse_a_second_writer_and_a_locked_folder(
    tmp_path: Path, priced: Path, command: str
) -> None:
    args = [command, str(priced), "--days", "370", "--replicates", "1"]
    args = [*args[:2], str(priced), *args[2:]] if command == "compare" else args
    args += ["--budget", "2e6", "--quick"] if command == "optimize" else []
    results = tmp_path / "results"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with folder_lock(results / "s"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        one_line(invoke(*args, "--out", str(results), "--name", "s"), "another safesim command")
    finally:
        release.set()
        thread.join()
    assert not (results / "s").exists()
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "ro"
        locked.mkdir(mode=0o500)
        one_line(invoke(*args, "--out", str(locked)), "not writable")


def test_a_mistyped_mechanism_parameter_gets_the_closest_one(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("patrol_deterence: 0.2\n", encoding="utf-8")
    out = ["--days", "2", "--out", str(tmp_path / "o")]
    result = invoke("run", str(SMALL), "--parameters", str(params), *out)
    one_line(result, str(params), "patrol_deterence", "did you mean 'patrol_deterrence'")
    inline = tmp_path / "inline.yaml"
    inline.write_text(SMALL_TEXT + "parameters:\n  patrol_deterence: 0.2\n", encoding="utf-8")
    one_line(invoke("run", str(inline), *out), str(inline), "did you mean 'patrol_deterrence'")
    assert not (tmp_path / "o").exists()


def test_plot_replaces_a_symlink_planted_at_a_figure_and_leaves_its_target(
    run_folder: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "set"
    shutil.copytree(run_folder, folder)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    for name in ("effects.png", "brief.html"):
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(outside)
    assert invoke("brief", str(folder)).exit_code == 0
    assert outside.read_text(encoding="utf-8") == "keep\n"
    assert not (folder / "effects.png").is_symlink() and not (folder / "brief.html").is_symlink()


def test_a_symlinked_lock_file_is_refused_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    outside = tmp_path / "outside"
    (out / ".small.lock").symlink_to(outside)
    one_line(invoke("run", str(SMALL), "--days", "2", "--out", str(out)), ".small.lock", "symlink")
    assert not outside.exists()
    assert sorted(p.name for p in out.iterdir()) == [".small.lock"]


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity"])
def test_a_symlinked_results_folder_is_refused(tmp_path: Path, command: str) -> None:
    out = tmp_path / "results"
    out.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep\n", encoding="utf-8")
    (out / "s").symlink_to(outside, target_is_directory=True)
    args = [command, str(SMALL), "--days", "370", "--out", str(out)]
    if command == "run":
        path = variant(tmp_path, "name: small", "name: s")
        args[1] = str(path)
    else:
        args += ["--name", "s", "--restart"]
    if command == "sweep":
        args += ["--vary", "interventions.cameras.count=0,10", "--replicates", "1"]
    one_line(invoke(*args), "is a symlink")
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]


# ------------------------------------------------------------------ optimize's result set

OPTIMIZE_QUICK = ["--budget", "2e6", "--quick", "--days", "370", "--replicates", "1"]


@pytest.fixture(scope="module")
def optimize_folder(priced: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("optimize")
    result = invoke("optimize", str(priced), *OPTIMIZE_QUICK, "--out", str(out), "--name", "s")
    assert result.exit_code == 0, result.output
    return out / "s"


def test_optimize_lists_every_file_of_its_set(optimize_folder: Path) -> None:
    from safesim.experiments.results import file_sha256

    manifest = json.loads((optimize_folder / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["files"]
    names = {"trials.csv", "front.csv", "runs.csv", "draws.csv", "baseline.csv", "recommended.yaml"}
    assert set(listed) == names
    for name in names:
        assert listed[name]["sha256"] == file_sha256(optimize_folder / name), name
    trials = (optimize_folder / "trials.csv").read_text(encoding="utf-8").splitlines()
    assert listed["trials.csv"]["rows"] == len(trials) - 1 == 8


@pytest.mark.parametrize("table", ["trials.csv", "front.csv"])
@pytest.mark.parametrize("command", ["plot", "brief"])
def test_an_optimize_folder_with_a_changed_table_is_refused(
    optimize_folder: Path, tmp_path: Path, table: str, command: str
) -> None:
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(optimize_folder, folder)
    for name in ("front.png", "brief.html"):
        (folder / name).unlink(missing_ok=True)
    lines = (folder / table).read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[-1] = "0.999999" if cells[-1] != "0.999999" else "0.000001"  # one figure edited
    (folder / table).write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    before = sorted(p.name for p in folder.iterdir())
    one_line(invoke(command, str(folder)), table, "does not match manifest.json")
    assert sorted(p.name for p in folder.iterdir()) == before  # no figure, no brief


@pytest.mark.slow
def test_a_second_optimize_is_refused_while_the_first_writes(tmp_path: Path, priced: Path) -> None:
    """A real first search holding the folder (paused in its first simulation), not a
    stand-in lock: the second is one line and exit 2, and the first then finishes whole."""
    import subprocess
    import sys
    import time

    out, go = tmp_path / "results", tmp_path / "go"
    first_code = (
        "import pathlib, sys, time\n"
        "import safesim.experiments.optimize as o\n"
        "real, go = o.execute_outcomes, pathlib.Path(sys.argv[1])\n"
        "def paused(*args, **kwargs):\n"
        "    pathlib.Path(str(go) + '.held').touch()\n"
        "    while not go.exists():\n"
        "        time.sleep(0.05)\n"
        "    return real(*args, **kwargs)\n"
        "o.execute_outcomes = paused\n"
        "from safesim.ui.cli import main\n"
        "main(sys.argv[2:], prog_name='safesim')\n"
    )
    args = ["optimize", str(priced), *OPTIMIZE_QUICK, "--out", str(out), "--name", "s"]
    first = subprocess.Popen(
        [sys.executable, "-c", first_code, str(go), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        held = Path(str(go) + ".held")
        deadline = time.monotonic() + 120
        while not held.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held.exists(), first.communicate(timeout=10)
        before = sorted(p.name for p in (out / "s").iterdir())
        one_line(invoke(*args), str(out / "s"), "another safesim command")
        assert sorted(p.name for p in (out / "s").iterdir()) == before  # nothing written
    finally:
        go.touch()
        _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    plotted = invoke("plot", str(out / "s"))  # the first's set is whole and checks
    assert plotted.exit_code == 0, plotted.output
