"""Sampling rules that need no database: sample sizes, reproducible selection, populations.

Everything here depends on the standard library only (and openpyxl for XLSX populations), so
``annexa sample derive`` re-derives a selection on any machine without a configured Annexa.
``docs/sampling.md`` describes the same rules in prose, with worked examples.

**Sample size (ISO 19011:2018 Annex A.6, attribute sampling).** Percentages are given with at
most two decimals and computed with exactly (integer arithmetic), so every implementation finds
the same size. With confidence level *C*, tolerable deviation rate *T* and expected deviation
rate *E*:

* *E* = 0: the smallest *n* with (1 − T)^n ≤ 1 − C, i.e. n = ⌈ln(1 − C) / ln(1 − T)⌉
  (95 % and 5 % give 59);
* *E* > 0: the smallest *n* such that, if the sample shows the deviations expected
  (k = ⌈n·E⌉), the binomial probability of seeing at most k deviations when the true rate is
  *T* is at most 1 − C. This reproduces the usual published attribute-sampling tables
  (95 %, T = 5 %, E = 1 % gives 93 with one deviation allowed).

Then the finite-population correction: n' = ⌈n·N / (N + n − 1)⌉ (that is n / (1 + (n − 1)/N)),
and never more than the population *N*.

**Selection.** ``select(seed, N, n)`` draws ``n`` distinct positions in ``[0, N)``: for
counter = 0, 1, 2, … compute HMAC-SHA256(key = UTF-8 seed, message = counter as 8-byte
big-endian), read the first 8 bytes as a big-endian unsigned integer *x*; reject *x* when
x ≥ 2^64 − (2^64 mod N) (so every position is equally likely), otherwise take x mod N unless it
was already taken. Positions are kept in the order drawn, so a larger sample with the same seed
starts with the smaller one.

**Populations** are lists of record labels. Their SHA-256 is taken over their canonical JSON
(RFC 8785: a JSON array of strings, UTF-8, no whitespace), so anyone can check that a file
holds the population a sample was drawn from.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

ALGORITHM = "hmac-sha256-counter-v1"
SCALE = 10_000  # percentages with two decimals, as integers: 95.00 % → 9500
MAX_POPULATION = 50_000
MAX_LABEL = 500
MAX_STATISTICAL_SIZE = 1_000
MAX_SEED = 100
TEXT_EXTENSIONS = ("txt", "text", "lst")
EXTENSIONS = (*TEXT_EXTENSIONS, "csv", "xlsx", "json")


class SamplingError(ValueError):
    """Input a sample cannot be drawn from; the message says what to fix."""


# --- sample size -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeResult:
    """A statistical sample size and how it was reached."""

    infinite: int  # before the finite-population correction
    allowed_deviations: int  # k: deviations the sample may show and still support reliance
    size: int  # after the correction, at most the population

    def explain(self, confidence: Decimal, tolerable: Decimal, expected: Decimal, n: int) -> str:
        """One sentence for the sample's rationale."""
        return (
            f"Attribute sampling (ISO 19011 Annex A.6) at {confidence}% confidence, "
            f"{tolerable}% tolerable and {expected}% expected deviation rate: {self.infinite} "
            f"records for a large population ({self.allowed_deviations} deviation(s) allowed), "
            f"{self.size} after the finite-population correction for {n} records."
        )


def percent(value: object, name: str) -> int:
    """A percentage (``"95"``, ``95.5``, ``Decimal("4.75")``) as hundredths of a percent."""
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise SamplingError(f"{name} must be a percentage such as 95 or 4.5") from None
    scaled = number * 100
    if not number.is_finite() or scaled != scaled.to_integral_value():
        raise SamplingError(f"{name} takes at most two decimals (got {value})")
    return int(scaled)


def check_rates(confidence: int, tolerable: int, expected: int) -> None:
    """Rates in hundredths of a percent: 0 < C < 100 %, 0 < T < 100 %, 0 ≤ E < T."""
    if not 0 < confidence < SCALE:
        raise SamplingError("the confidence level must be above 0 % and below 100 %")
    if not 0 < tolerable < SCALE:
        raise SamplingError("the tolerable deviation rate must be above 0 % and below 100 %")
    if not 0 <= expected < tolerable:
        raise SamplingError(
            "the expected deviation rate must be at least 0 % and below the tolerable rate"
        )


def zero_deviation_size(confidence: int, tolerable: int) -> int:
    """The smallest n with (1 − T)^n ≤ 1 − C (rates in hundredths of a percent)."""
    check_rates(confidence, tolerable, 0)
    estimate = math.log((SCALE - confidence) / SCALE) / math.log((SCALE - tolerable) / SCALE)
    n = max(1, math.ceil(estimate) - 1)
    # The float estimate is only a starting point: the exact test decides.
    while n > 1 and _at_most_k_rare_enough(n - 1, 0, tolerable, confidence):
        n -= 1
    while not _at_most_k_rare_enough(n, 0, tolerable, confidence):
        n += 1
    return n


def infinite_size(confidence: int, tolerable: int, expected: int) -> tuple[int, int]:
    """(n, k) before the finite-population correction; see the module docstring."""
    check_rates(confidence, tolerable, expected)
    if expected == 0:
        return zero_deviation_size(confidence, tolerable), 0
    n = zero_deviation_size(confidence, tolerable)
    while n <= MAX_STATISTICAL_SIZE:
        k = -(-n * expected // SCALE)  # ⌈n·E⌉ in integers
        if k < n and _at_most_k_rare_enough(n, k, tolerable, confidence):
            return n, k
        n += 1
    raise SamplingError(
        f"more than {MAX_STATISTICAL_SIZE} records would be needed: the expected deviation "
        "rate is too close to the tolerable rate (lower the expected rate, raise the tolerable "
        "rate or the confidence you can accept, or test the whole population)"
    )


def corrected_size(n: int, population: int) -> int:
    """The finite-population correction ⌈n·N / (N + n − 1)⌉, capped at N."""
    if population < 1:
        raise SamplingError("the population is empty")
    return min(population, -(-n * population // (population + n - 1)))


def statistical_size(confidence: int, tolerable: int, expected: int, population: int) -> SizeResult:
    """The attribute-sampling size for a population of ``population`` records."""
    n, k = infinite_size(confidence, tolerable, expected)
    return SizeResult(infinite=n, allowed_deviations=k, size=corrected_size(n, population))


def _at_most_k_rare_enough(n: int, k: int, tolerable: int, confidence: int) -> bool:
    """Whether P(X ≤ k) ≤ 1 − C for X ~ Binomial(n, T), decided exactly.

    A floating-point sum settles clear cases quickly; when it lands within a hair of the
    threshold, integer arithmetic (everything multiplied by SCALE^n) decides.
    """
    rate, alpha = tolerable / SCALE, (SCALE - confidence) / SCALE
    probability = sum(math.exp(_log_term(n, i, rate)) for i in range(k + 1))
    if abs(probability - alpha) > 1e-9:
        return probability < alpha
    total = sum(
        math.comb(n, i) * tolerable**i * (SCALE - tolerable) ** (n - i) for i in range(k + 1)
    )
    return total * SCALE <= (SCALE - confidence) * SCALE**n


def _log_term(n: int, i: int, rate: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(rate)
        + (n - i) * math.log1p(-rate)
    )


# --- selection -------------------------------------------------------------------------------


def new_seed() -> str:
    """A fresh random seed (16 hex digits) for when the auditor does not choose one."""
    return secrets.token_hex(8)


def check_seed(seed: str) -> str:
    seed = (seed or "").strip()
    if not seed:
        raise SamplingError("the seed is empty")
    if len(seed) > MAX_SEED:
        raise SamplingError(f"the seed is longer than {MAX_SEED} characters")
    return seed


def select(seed: str, population_size: int, sample_size: int) -> list[int]:
    """``sample_size`` distinct positions in ``[0, population_size)``, in the order drawn."""
    seed = check_seed(seed)
    if population_size < 1:
        raise SamplingError("the population is empty")
    if not 1 <= sample_size <= population_size:
        raise SamplingError(
            f"the sample size must be between 1 and the population size ({population_size})"
        )
    key = seed.encode("utf-8")
    limit = 2**64 - (2**64 % population_size)
    chosen: list[int] = []
    taken: set[int] = set()
    counter = 0
    while len(chosen) < sample_size:
        block = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
        value = int.from_bytes(block[:8], "big")
        if value >= limit:
            continue
        index = value % population_size
        if index not in taken:
            taken.add(index)
            chosen.append(index)
    return chosen


# --- populations -----------------------------------------------------------------------------


def population_sha256(records: list[str]) -> str:
    """SHA-256 of the population's canonical JSON (RFC 8785)."""
    from annexa.ledger.format import canonical

    return hashlib.sha256(canonical(list(records))).hexdigest()


def parse_population(data: bytes, filename: str, column: str = "") -> list[str]:
    """Record labels from a text (one per line), CSV, XLSX or JSON file.

    CSV and XLSX files start with a header row; ``column`` names the column to read (the first
    one when empty). JSON is an array of strings or integers, or of objects with ``column``.
    """
    extension = PurePath(filename or "").suffix.lower().lstrip(".")
    if extension not in EXTENSIONS:
        raise SamplingError(
            f"cannot read a population from {filename!r}: use a .txt (one record per line), "
            ".csv, .xlsx or .json file"
        )
    if extension == "xlsx":
        return check_records(_xlsx_records(data, column))
    text = _decode(data)
    if extension == "csv":
        return check_records(_csv_records(text, column))
    if extension == "json":
        return check_records(_json_records(text, column))
    return check_records([line for line in text.splitlines()])


def check_records(values: list[str]) -> list[str]:
    """Trimmed, non-empty, unique labels of acceptable length; a clear error otherwise."""
    records: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(values, start=1):
        label = raw.strip()
        if not label:
            continue
        if len(label) > MAX_LABEL:
            raise SamplingError(f"record {number} is longer than {MAX_LABEL} characters")
        if label in seen:
            raise SamplingError(
                f"{label!r} appears twice (records {seen[label]} and {number}): a population "
                "lists each record once"
            )
        seen[label] = number
        records.append(label)
        if len(records) > MAX_POPULATION:
            raise SamplingError(f"the population has more than {MAX_POPULATION:,} records")
    if not records:
        raise SamplingError("the population is empty: no record found in the file")
    return records


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SamplingError("the file is not UTF-8 text") from None


def _header_index(header: list[str], column: str) -> int:
    names = ["_".join(str(h or "").strip().lower().split()) for h in header]
    if not column:
        return 0
    wanted = "_".join(column.strip().lower().split())
    if wanted not in names:
        shown = ", ".join(n for n in names if n) or "none"
        raise SamplingError(f"no column {column!r} in the header (columns: {shown})")
    return names.index(wanted)


def _csv_records(text: str, column: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SamplingError("the CSV file is empty")
    index = _header_index(rows[0], column)
    return [row[index] if index < len(row) else "" for row in rows[1:]]


def _xlsx_records(data: bytes, column: str) -> list[str]:
    from annexa.core import spreadsheets

    try:
        sheet = spreadsheets.read_xlsx(data, max_rows=MAX_POPULATION)
    except spreadsheets.SpreadsheetError as exc:
        raise SamplingError(str(exc)) from None
    name = sheet.columns[_header_index(sheet.columns, column)]
    problems = [e for e in sheet.errors if e.column == name]
    if problems:
        first = problems[0]
        raise SamplingError(f"row {first.row}, column {first.column}: {first.message}")
    return [row.values.get(name, "") for row in sheet.rows]


def _json_records(text: str, column: str) -> list[str]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SamplingError(f"the JSON file cannot be read: {exc}") from None
    if not isinstance(document, list):
        raise SamplingError("the JSON file must hold an array of records")
    return [_json_label(entry, column, n) for n, entry in enumerate(document, start=1)]


def _json_label(entry: object, column: str, number: int) -> str:
    if isinstance(entry, dict):
        if not column:
            raise SamplingError("the JSON records are objects: name the field to use (column)")
        entry = entry.get(column)
    if isinstance(entry, bool) or not isinstance(entry, str | int):
        raise SamplingError(f"record {number}: expected text or a whole number")
    return str(entry)
