"""Reading YAML input files: one loader for scenarios, sweep files, parameter files and
calibration configs.

Every problem with a file becomes one ``InputError`` naming the file and the field (or the
line, when the YAML itself is malformed). The loader is stricter than YAML 1.1:

- only ``true``/``false`` are booleans (``yes``/``no``/``on``/``off`` stay strings, so a
  count written ``NO`` is refused rather than read as 0);
- a key given twice in one mapping is refused (YAML would keep the last silently);
- anchors/aliases and merge keys are refused (a few aliases can expand to billions of
  nodes), and so is nesting deeper than ``MAX_DEPTH``;
- numbers must be finite and within ``MAX_MAGNITUDE``; dates must exist (2013-02-30 does
  not) and lie within ``EARLIEST``..``LATEST``;
- the file must be UTF-8 text and at most ``MAX_FILE_BYTES`` long.

Types are not coerced afterwards either: the pydantic models are validated in strict mode
(``"12"`` is not a number).

**Examples**::

    data = load_yaml("scenarios/small.yaml")            # plain data, checked as above
    config = load_model(path, CalibrationConfig)        # validated, one-line errors
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from safesim.errors import SafesimError

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_MAGNITUDE = 1e12
MAX_STRING = 20_000
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)

M = TypeVar("M", bound=BaseModel)


class InputError(SafesimError, ValueError):
    """An input that cannot be used; the message names the file and the field."""

    def __init__(self, path: str | Path | None, field: str, message: str):
        self.path = str(path) if path is not None else "<input>"
        self.field = field
        self.message = message
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {message}")


class _Refused(yaml.MarkedYAMLError):
    """A YAML construct the loader does not accept, with its position."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without 1.1 booleans, duplicate keys, aliases, merges or deep nesting."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(None, None, "aliases (*name) are not allowed", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _Refused(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(None, None, "merge keys (<<) are not allowed", key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise _Refused(
                    None, None, "a key must be a plain value", key_node.start_mark
                ) from None
            if duplicate:
                raise _Refused(None, None, f"key '{key}' given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _Refused(
                None, None, f"'{node.value}' is not a valid date ({exc})", node.start_mark
            ) from None


# YAML 1.2 booleans only: rebuild the implicit resolvers without the 1.1 yes/no/on/off.
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)


def _line_of(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}" if mark is not None else ""


def check_values(data: Any, path: str | Path | None, where: str = "") -> None:
    """Finite numbers within ``MAX_MAGNITUDE``, dates within range, strings not huge."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                raise InputError(path, where, f"key {key!r} must be text")
            check_values(value, path, f"{where}.{key}" if where else key)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            check_values(value, path, f"{where}[{i}]")
    elif isinstance(data, bool):
        return
    elif isinstance(data, int | float):
        if isinstance(data, float) and not math.isfinite(data):
            raise InputError(path, where, f"{data} is not a finite number")
        if abs(data) > MAX_MAGNITUDE:
            # An integer too big for a float cannot be formatted as one: name its length.
            shown = f"{data:.3g}" if abs(data) < 1e300 else f"a {len(str(abs(data)))}-digit number"
            raise InputError(path, where, f"{shown} is out of range (|x| ≤ {MAX_MAGNITUDE:g})")
    elif isinstance(data, dt.date):
        day = data.date() if isinstance(data, dt.datetime) else data
        if not EARLIEST <= day <= LATEST:
            raise InputError(path, where, f"{data} lies outside {EARLIEST}..{LATEST}")
    elif isinstance(data, str) and len(data) > MAX_STRING:
        raise InputError(path, where, f"text longer than {MAX_STRING:,} characters")


def parse_yaml(text: str, path: str | Path | None = None) -> Any:
    """Parse YAML text with ``StrictLoader`` and check its values; raises ``InputError``."""
    try:
        data = yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "malformed YAML"
        kind = "" if isinstance(exc, _Refused) else "malformed YAML: "
        raise InputError(path, _line_of(exc), f"{kind}{problem}") from None
    except RecursionError:
        raise InputError(path, "", f"nested deeper than {MAX_DEPTH} levels") from None
    check_values(data, path)
    return data


def read_text(path: str | Path) -> str:
    """The file's text: it must exist, be a file, be UTF-8 and not be huge."""
    p = Path(path)
    try:
        if not p.exists():
            raise InputError(p, "", "no such file")
        if not p.is_file():
            raise InputError(p, "", "not a file")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise InputError(p, "", f"larger than {MAX_FILE_BYTES:,} bytes")
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(p, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(p, "", f"not UTF-8 text (byte {exc.start})") from None


def load_yaml(path: str | Path) -> Any:
    """Read and parse a YAML file strictly; every problem is one ``InputError``."""
    return parse_yaml(read_text(path), path)


def load_mapping(path: str | Path, what: str) -> dict[str, Any]:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "", f"{what} must be a YAML mapping of keys to values")
    return data


def describe_error(err: dict[str, Any]) -> tuple[str, str]:
    """A pydantic error as (dotted field, short message)."""
    loc = [str(p) for p in err.get("loc", ()) if not str(p).startswith("function-")]
    # Generic and union models add their type names to the location: hide them.
    loc = [p for p in loc if "[" not in p and p not in {"int", "float", "str", "date"}]
    if loc and loc[-1] == "value":
        loc = loc[:-1]
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    msg = err.get("msg", "invalid")
    if kind == "greater_than_equal":
        msg = f"must be ≥ {ctx.get('ge')}"
    elif kind == "less_than_equal":
        msg = f"must be ≤ {ctx.get('le')}"
    elif kind == "extra_forbidden":
        msg = "unknown key"
    elif kind == "missing":
        msg = "missing (required)"
    elif kind in {"int_type", "float_type", "int_from_float", "bool_type", "date_type"}:
        shown = repr(err.get("input"))
        if len(shown) > 40:
            shown = shown[:37] + "..."
        expected = {"int_type": "a whole number", "int_from_float": "a whole number"}.get(
            kind, {"float_type": "a number", "bool_type": "true or false"}.get(kind, "a date")
        )
        msg = f"{shown} is not {expected}"
    elif kind == "finite_number":
        msg = "must be a finite number"
    elif kind.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
        # A model-level check may name a sub-field itself ("end: must ...").
        head, sep, rest = msg.partition(": ")
        if sep and " " not in head and head.replace(".", "").replace("_", "").isalnum():
            loc = [*loc, head] if not head.startswith("interventions.") else head.split(".")
            msg = rest
    return ".".join(loc), msg


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, list, dict, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def keys_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys the model allows at ``loc`` (an error's location, its last part the key):
    list indices, dict keys and pydantic's type names in ``loc`` are stepped over."""
    models = [model]
    for part in loc[:-1]:
        inner = [
            sub
            for m in models
            if (field := m.model_fields.get(str(part))) is not None
            for sub in _models_in(field.annotation)
        ]
        models = inner or models
    return sorted({key for m in models for key in m.model_fields})


def did_you_mean(key: str, allowed: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest allowed key, or nothing."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def first_error(exc: ValidationError, model: type[BaseModel]) -> tuple[str, str]:
    """The error to report of those pydantic found, as (dotted field, short message): an
    unknown key first (a mistyped key also makes its neighbours look missing), with the
    closest key the model allows."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    field, msg = describe_error(errors[0])
    loc = errors[0].get("loc", ())
    if errors[0]["type"] == "extra_forbidden" and loc:
        msg += did_you_mean(str(loc[-1]), keys_at(model, loc))
    return field, msg


def validate_model(data: Any, model: type[M], path: str | Path | None, what: str) -> M:
    """Validate plain data against ``model`` in strict mode; one ``InputError`` on failure."""
    if not isinstance(data, dict):
        raise InputError(path, "", f"{what} must be a YAML mapping of keys to values")
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        field, msg = first_error(exc, model)
        raise InputError(path, field, msg) from None
    except RecursionError:
        raise InputError(path, "", f"nested deeper than {MAX_DEPTH} levels") from None


def load_model(path: str | Path, model: type[M], what: str = "the file") -> M:
    """Read a YAML file and validate it against ``model``; raises ``InputError``."""
    return validate_model(load_yaml(path), model, path, what)
