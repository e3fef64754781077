"""Issue 15 (3): fuzzing the import with hypothesis over CSV and JSON mutations of the samples
(the API upload: ``tests/api/test_fuzz_uploads_api.py``).

The property, for the import service and the API upload alike: any input ends either in a
stored set whose rows match the report, or in the error report (``ImportRejected`` / HTTP
400 with ``errors``) with nothing written — never another exception, a 5xx or a partial set.

Bounded for ``make test``: a few dozen examples each, no deadline, no example database.
"""

import io
import itertools
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import InputSetEvent
from input_sets.exceptions import ImportRejected
from input_sets.io.bundle import BundleError, InputBundle
from input_sets.models import PlanningInputSet
from input_sets.sections import SECTIONS
from input_sets.services import input_set_import

from ..conftest import OWN_SAMPLE, SHARED_SAMPLE

pytestmark = pytest.mark.django_db

BASES = [
    {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".json")}
    for folder in (OWN_SAMPLE, SHARED_SAMPLE)
    if folder.is_dir()
]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cell values that broke (or nearly broke) imports: separators, quotes, formulas, NUL,
# non-finite numbers, overlong text, bad dates, BOMs, lone surrogates, line breaks.
NASTY = [
    "1,000",
    '"',
    '"a""b"',
    "=1+2",
    "\x00",
    "-1",
    "NaN",
    "inf",
    "1e400",
    "K" * 150,
    "9" * 40,
    "2026-13",
    "",
    " ",
    "\r",
    "\n",
    "'=x",
    "\ufeff",
    "\ud800",
    "\u202e",
    "冷蔵庫",
]
cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=12))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
byte_ops = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.none()),
    st.tuples(st.just("duplicate_line"), st.integers(0, 10**6), st.none()),
)
csv_ops = st.one_of(
    byte_ops,
    st.tuples(st.just("cell"), st.integers(0, 10**6), st.tuples(st.integers(0, 9), cells)),
)
json_ops = st.one_of(
    byte_ops,
    st.tuples(st.just("value"), st.integers(0, 10**6), json_values),
    st.tuples(st.just("nest"), st.integers(0, 10**6), st.sampled_from([5, 25, 3000])),
)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def mutate_bytes(data: bytes, op, where: int, arg) -> bytes:
    """``data`` with bytes inserted, deleted, cut off at, or a line duplicated at ``where``
    (taken modulo the length, so every drawn position is valid)."""
    at = where % (len(data) + 1)
    if op == "insert":
        return data[:at] + arg + data[at:]
    if op == "delete":
        return data[:at] + data[at + arg :]
    if op == "truncate":
        return data[:at]
    lines = data.split(b"\n")
    i = where % len(lines)
    return b"\n".join(lines[: i + 1] + lines[i:])  # duplicate_line


def mutate_csv(data: bytes, op) -> bytes:
    """A byte mutation, or ``("cell", where, (column, value))``: one cell of one line replaced
    (unquoted, so separators, quotes and line breaks in ``value`` go in raw)."""
    kind, where, arg = op
    if kind != "cell":
        return mutate_bytes(data, kind, where, arg)
    lines = data.decode("utf-8", errors="surrogateescape").split("\n")
    row = lines[where % len(lines)].split(",")
    column, value = arg
    row[column % len(row)] = value
    lines[where % len(lines)] = ",".join(row)
    return _encode("\n".join(lines))


def _containers(obj, path=()):
    """Every (path, container) of a parsed JSON value, outermost first."""
    found = []
    stack = [(path, obj)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, dict | list):
            found.append((here, value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((here + (key,), child) for key, child in items)
    return found


def mutate_json(data: bytes, op) -> bytes:
    """A byte mutation, or a value of the parsed JSON replaced by a drawn one (``"value"``) or
    by ``arg`` nested arrays (``"nest"``); undecodable input is returned unchanged."""
    kind, where, arg = op
    if kind not in ("value", "nest"):
        return mutate_bytes(data, kind, where, arg)
    try:
        obj = json.loads(data)
    except ValueError:
        return data
    containers = _containers(obj)
    if not containers:
        return data
    _, container = containers[where % len(containers)]
    keys = list(container.keys()) if isinstance(container, dict) else list(range(len(container)))
    value = arg if kind == "value" else _NEST
    if keys:
        container[keys[where % len(keys)]] = value
    elif isinstance(container, list):
        container.append(value)
    else:
        container["fuzz"] = value
    text = json.dumps(obj, ensure_ascii=False)
    if kind == "nest":  # written as text: json.dumps itself recurses
        text = text.replace(json.dumps(_NEST), "[" * arg + "1" + "]" * arg, 1)
    return _encode(text)


_NEST = "\u2063nest\u2063"


@st.composite
def mutated_bundles(draw) -> dict[str, bytes]:
    files = dict(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        if name.endswith(".json"):
            files[name] = mutate_json(files[name], draw(json_ops))
        else:
            files[name] = mutate_csv(files[name], draw(csv_ops))
    return files


def stored_rows() -> tuple[int, int, int]:
    return (
        PlanningInputSet.objects.count(),
        sum(section.model.objects.count() for section in SECTIONS),
        InputSetEvent.objects.count(),
    )


def assert_whole_set(label: str, counts: dict[str, int]) -> None:
    input_set = PlanningInputSet.objects.get(label=label)
    stored = {s.name: s.model.objects.filter(input_set=input_set).count() for s in SECTIONS}
    assert stored == counts


labels = itertools.count()


def import_or_report(bundle: InputBundle, label: str) -> None:
    """Import ``bundle`` as ``label``: either the whole set is stored as reported, or
    :class:`ImportRejected` gives reasons and nothing at all was written."""
    before = stored_rows()
    try:
        report = input_set_import(bundle=bundle, label=label, config_version_id=1)
    except ImportRejected as exc:
        assert exc.report.errors and all(e.code and e.file for e in exc.report.errors)
        assert stored_rows() == before
        return
    assert_whole_set(label, report.counts)


@FUZZ
@given(files=mutated_bundles())
def test_the_import_service_only_ever_reports(config_version, files):
    import_or_report(InputBundle(name="fuzz", files=files), f"fuzz{next(labels)}")


def damaged_zip(files: dict[str, bytes], flip: int) -> bytes:
    """The files as a zip, with one byte changed when ``flip`` is odd."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    if flip % 2:
        data[flip % len(data)] ^= 0x5A
    return bytes(data)


@FUZZ
@given(files=mutated_bundles(), flip=st.integers(0, 10**6))
def test_damaged_zips_are_a_bundle_error_or_a_report(config_version, files, flip):
    try:
        bundle = InputBundle.from_zip(io.BytesIO(damaged_zip(files, flip | 1)), name="fuzz")
    except BundleError as exc:
        assert exc.issue.code
        return
    import_or_report(bundle, f"zip{next(labels)}")
