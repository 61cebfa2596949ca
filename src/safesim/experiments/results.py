"""Results folders: the one manifest writer, result sets written whole, and a folder lock.

Every command (run, sweep, sensitivity, calibrate, ...) describes what it wrote with the
same manifest: the command line, the git commit of the source when there is one, the
platform and CPU, every dependency's version, the seeds, the hash of every input file
(scenario, sweep file, parameters file, calibration config), the wall time, and for each
file of the set its SHA-256 and row count. ``verify_set`` checks a folder against its
manifest, so a set mixed from two runs or a CSV cut short is refused, not plotted.

A set is written with ``write_result_set``: into a fresh temporary folder renamed into
place when the folder holds nothing else (a run), or, when the folder also keeps a
journal (a sweep), by removing the old manifest first, writing each file atomically and
the manifest last. Either way a reader sees a complete set or no manifest.

**Examples**::

    manifest = build_manifest("run", inputs={"scenario": path}, seed=7, wall_seconds=1.2)
    write_result_set(out_dir, {"daily.csv": daily, "summary.csv": summary}, manifest)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from safesim.errors import SafesimError

# pandas is imported by whoever makes the frames written here, not by importing this
# module: the command line imports it to record its command and must start at once.
if TYPE_CHECKING:
    import pandas as pd

CSV_FLOAT_FORMAT = "%.6f"
MANIFEST = "manifest.json"
#: Manifest keys that differ between two runs of the same command (when and how it ran);
#: everything else is the same for the same inputs, seed and library versions.
VOLATILE = ("invocation",)
#: The libraries a result depends on, beside safesim's own declared requirements.
CORE_PACKAGES = (
    "safesim", "mesa", "numpy", "scipy", "pandas", "pydantic", "pyyaml", "click",
    "matplotlib", "SALib", "optuna", "dask", "distributed", "tqdm",
)  # fmt: skip


class ResultsError(SafesimError, ValueError):
    """A results folder that cannot be written or read as a set; one line naming it."""


def _read_umask() -> int:
    # The umask can only be read by setting it; do it once, before any worker threads.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


# --------------------------------------------------------------------------- manifest


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _requirement_names() -> list[str]:
    try:
        requires = metadata.requires("safesim") or []
    except metadata.PackageNotFoundError:
        requires = []
    names = []
    for spec in requires:
        if "extra ==" in spec:
            continue
        name = spec.split(";")[0]
        for stop in "[<>=!~ ":
            name = name.split(stop)[0]
        names.append(name.strip())
    return names


@cache
def versions() -> dict[str, str]:
    """Python and every dependency's installed version (safesim's requirements included)."""
    out = {"python": platform.python_version()}
    for pkg in sorted({*CORE_PACKAGES, *_requirement_names()}, key=str.lower):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@cache
def environment() -> dict[str, Any]:
    """Platform and CPU: float sums can differ in the last digit on another CPU."""
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python_implementation": platform.python_implementation(),
    }


@cache
def git_commit() -> str | None:
    """The commit of safesim's source tree when it is a git checkout (with ``+dirty``)."""
    source = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=source, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=source, capture_output=True, text=True, timeout=5,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


_command: list[str] | None = None


def set_command(args: list[str]) -> None:
    """Record the command being run (the command line parses it once, here)."""
    global _command
    _command = list(args)


def command_line() -> str:
    return shlex.join(_command if _command is not None else [Path(sys.argv[0]).name, *sys.argv[1:]])


def build_manifest(
    kind: str,
    *,
    inputs: Mapping[str, str | Path | None] | None = None,
    wall_seconds: float | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The manifest every command writes: ``kind``, the command's own ``fields`` (seeds,
    axes, ...), input files with their hashes, versions, platform and how it was run."""
    files = {
        role: {"path": str(path), "sha256": file_sha256(path)}
        for role, path in (inputs or {}).items()
        if path is not None
    }
    return {
        "kind": kind,
        **fields,
        "inputs": files,
        "git_commit": git_commit(),
        "platform": environment(),
        "versions": versions(),
        "invocation": {
            "command": command_line(),
            "wall_seconds": None if wall_seconds is None else round(wall_seconds, 3),
            "created_unix": int(time.time()),
        },
    }


def json_safe(value: Any) -> Any:
    """NaN and infinities become null: the files hold valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(json_safe(value), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- writing


def refuse_symlink(path: Path) -> None:
    """A folder (or file) planted as a symlink is refused: writing through it, or clearing
    it, would reach whatever it points to, outside the results folder."""
    if path.is_symlink():
        raise ResultsError(f"{path}: is a symlink; results are written only into a real folder")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    A symlink at ``path`` is replaced, not followed (the rename replaces the link itself),
    and a folder holding ``path`` that is a symlink is refused: nothing is written through
    a symlink out of the results folder.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_symlink(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes owner-only files; results are ordinary files (mode from the umask).
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, csv_text(frame))


Content: TypeAlias = "pd.DataFrame | str | bytes"


def _as_bytes(content: Content) -> tuple[bytes, int | None]:
    if isinstance(content, str):
        return content.encode("utf-8"), None
    if isinstance(content, bytes):
        return content, None
    return csv_text(content).encode("utf-8"), len(content)


def _column_kinds(raw: bytes) -> dict[str, str] | None:
    """Each column of a written table as ``number`` (every non-empty cell a number) or
    ``text``: what a reader may expect of it (``verify_set`` checks it). Read from the
    file's own bytes, so the same table always declares the same; None when the column
    names are not distinct."""
    import io

    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return None
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names) or any(n.startswith("Unnamed: ") for n in names):
        return None
    return {name: "number" if not _not_numbers(frame[name]).any() else "text" for name in names}


def _not_numbers(cells: pd.Series) -> pd.Series:
    """Which cells are neither empty nor a number."""
    import pandas as pd

    return pd.to_numeric(cells.where(cells != ""), errors="coerce").isna() & (cells != "")


def _describe_files(contents: Mapping[str, Content]) -> tuple[dict[str, bytes], dict[str, Any]]:
    data, described = {}, {}
    for name, content in contents.items():
        raw, rows = _as_bytes(content)
        data[name] = raw
        entry: dict[str, Any] = {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
        if rows is not None:
            entry["rows"] = rows
            columns = _column_kinds(raw)
            if columns is not None:
                entry["columns"] = columns
        described[name] = entry
    return data, described


def write_result_set(
    out_dir: Path,
    contents: Mapping[str, Content],
    manifest: dict[str, Any],
    *,
    keep_folder: bool = False,
) -> dict[str, Path]:
    """Write ``contents`` (file name → DataFrame, text or bytes) and the manifest as one set.

    Without ``keep_folder`` the set is built in a temporary folder beside ``out_dir`` and
    renamed into place, replacing an older set whole. With it (a folder that also keeps a
    journal) the old manifest goes first, then each file atomically, the manifest last.
    Returns the path of every file written, the manifest's included.
    """
    data, described = _describe_files(contents)
    full = {**manifest, "files": described}
    data[MANIFEST] = dumps(full).encode("utf-8")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    refuse_symlink(out_dir)
    paths = {name: out_dir / name for name in data}
    for name in data:
        _refuse_links_below(out_dir, Path(name))
    if keep_folder:
        (out_dir / MANIFEST).unlink(missing_ok=True)
        for name, raw in data.items():
            if name != MANIFEST:
                atomic_write_bytes(out_dir / name, raw)
        atomic_write_bytes(out_dir / MANIFEST, data[MANIFEST])
        return paths
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.new-"))
    try:
        os.chmod(staging, 0o777 & ~_UMASK)
        for name, raw in data.items():
            atomic_write_bytes(staging / name, raw)
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
            os.replace(out_dir, old / "set")
        os.replace(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return paths


def _refuse_links_below(out_dir: Path, name: Path) -> None:
    """A file name of a set stays inside its folder: no '..', no absolute name, and no
    symlinked sub-folder on the way."""
    if name.is_absolute() or ".." in name.parts:
        raise ResultsError(f"{out_dir / name}: a result file must lie inside {out_dir}")
    folder = out_dir
    for part in name.parts[:-1]:
        folder = folder / part
        refuse_symlink(folder)


# --------------------------------------------------------------------------- reading


#: A manifest is shallow; deeper JSON is damage (or an attack on the JSON parser's stack).
MAX_MANIFEST_DEPTH = 20
#: Larger than any manifest safesim writes (a sweep's lists its points' values).
MAX_MANIFEST_BYTES = 50_000_000


def _depth_ok(text: str) -> bool:
    """Whether the JSON text nests at most ``MAX_MANIFEST_DEPTH`` deep (checked before
    parsing: the parser itself would exhaust the stack on 100,000 brackets)."""
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    steps = (1 if b in "[{" else -1 for b in re.findall(r"[\[\]{}]", outside_strings))
    return max(itertools.accumulate(steps), default=0) <= MAX_MANIFEST_DEPTH


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """``folder``'s manifest.json as a mapping whose ``kind`` (if any) is text, or None
    when there is none; anything else that is there is one ``ResultsError`` naming it."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ResultsError(f"{path}: larger than {MAX_MANIFEST_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        what = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ResultsError(f"{path}: cannot read: {what}") from None
    if not _depth_ok(text):
        raise ResultsError(f"{path}: nested deeper than {MAX_MANIFEST_DEPTH} levels")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON (line {exc.lineno})") from None
    except RecursionError:
        raise ResultsError(f"{path}: nested deeper than {MAX_MANIFEST_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object, got {_json_type(data)}")
    kind = data.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise ResultsError(f"{path}: kind: expected text, got {_json_type(kind)}")
    return data


def verify_set(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Refuse a folder whose files disagree with its manifest (another run's file, a CSV
    cut short): every file the manifest lists must be there with its hash and rows, and a
    manifest that lists no ``files`` is refused."""
    listed = manifest.get("files")
    if listed is None:
        # Nothing to check the files against: a set of unknown completeness is refused.
        raise ResultsError(
            f"{folder / MANIFEST}: files: missing (the manifest lists no files with their "
            "hashes, so the set cannot be checked); run the command that made it again"
        )
    if not isinstance(listed, dict):
        raise ResultsError(f"{folder / MANIFEST}: 'files' must map file names to hashes")
    for name, entry in listed.items():
        path = folder / str(name)
        if not path.is_file():
            raise ResultsError(f"{path}: listed in {MANIFEST} but missing")
        try:
            actual = file_sha256(path)
        except OSError as exc:
            raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from None
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if actual != expected:
            rows = entry.get("rows") if isinstance(entry, dict) else None
            counted = _count_rows(path) if rows is not None else None
            detail = (
                f" ({counted} rows, the manifest says {rows})"
                if counted is not None and counted != rows
                else ""
            )
            raise ResultsError(
                f"{path}: does not match {MANIFEST}{detail}: the folder is not one "
                "complete result set (interrupted or mixed); run the command again"
            )
        if isinstance(entry, dict) and "columns" in entry:
            check_columns(path, entry["columns"], entry.get("rows"))


def check_columns(path: Path, columns: Any, rows: Any) -> None:
    """A table holds the columns its manifest entry declares, in that order, with a number
    in every non-empty cell of a ``number`` column and the declared count of rows: a table
    edited by hand (and its hash made to match) is refused here, before any figure is
    drawn, rather than halfway through the drawing."""
    import pandas as pd

    where = f"{path.parent / MANIFEST}: files: {path.name}"
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and v in ("number", "text") for k, v in columns.items()
    ):
        raise ResultsError(f"{where}: columns: expected column names with number or text")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise ResultsError(f"{where}: rows: expected a count, got {_json_type(rows)}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ResultsError(f"{path}: empty file; the folder is damaged") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ResultsError(f"{path}: cannot read: {first[:200]}") from None
    names = [str(c) for c in frame.columns]
    if names != list(columns):
        missing = [c for c in columns if c not in names]
        what = f"missing column(s): {', '.join(missing)}" if missing else "columns differ"
        raise ResultsError(f"{path}: {what} ({MANIFEST} lists {', '.join(columns)})")
    if rows is not None and len(frame) != rows:
        raise ResultsError(f"{path}: {len(frame)} rows, {MANIFEST} says {rows}")
    for name, kind in columns.items():
        if kind != "number":
            continue
        cells = frame[name]
        bad = _not_numbers(cells)
        if bad.any():
            row = int(bad.to_numpy().argmax())
            shown = str(cells.iloc[row])[:40]
            raise ResultsError(f"{path}: {name}: {shown!r} on row {row + 1} is not a number")


def _count_rows(path: Path) -> int | None:
    try:
        with open(path, "rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    except OSError:
        return None


def stable_bytes(path: Path) -> bytes:
    """A file's bytes, for a manifest without what differs between two runs of the same
    command (its ``invocation``: command line, wall time, date)."""
    raw = path.read_bytes()
    if path.name != MANIFEST:
        return raw
    manifest = json.loads(raw)
    for key in VOLATILE:
        manifest.pop(key, None)
    return dumps(manifest).encode("utf-8")


# --------------------------------------------------------------------------- lock


@contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``OUT/.NAME.lock`` while a command writes ``OUT/NAME``: a second command on
    the same folder is refused instead of mixing its results with the first's.

    The lock is filelock's (an OS lock on every platform, released when the process ends,
    however it ends). A symlink planted at the lock's name is refused, not followed: the
    lock file is opened for writing and would otherwise create or truncate its target.
    """
    from filelock import FileLock, Timeout

    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    refuse_symlink(lock_path)
    if not lock_path.exists():
        # Created here without following a symlink (O_EXCL), so filelock opens this file.
        try:
            os.close(os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            refuse_symlink(lock_path)  # planted between the check and the open
    lock = FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ResultsError(
            f"{out_dir}: another safesim command is writing this folder; wait for "
            "it or use another --out or --name"
        ) from None
    try:
        refuse_symlink(lock_path)
        yield
    finally:
        lock.release()
