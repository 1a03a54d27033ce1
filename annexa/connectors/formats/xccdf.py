"""XCCDF 1.1/1.2 results (OpenSCAP ``--results`` or ARF) read as a stream with defusedxml.

The file is untrusted XML of several megabytes, so it is parsed with ``defusedxml`` (no
entities, no external references) by ``iterparse``, clearing each element once read. Rule
definitions come first (their title, severity and ISO/IEC 27001:2013 references are kept,
nothing else); each ``rule-result`` is yielded as it is met.

The whole file is read to its end even by callers that stop early, and a file cut short fails
there (the root element is never closed): readers that count or store results iterate to the
end first, so a truncated file is refused, never partially accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pyexpat import errors as expat_errors
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from annexa.connectors.formats import FormatError

NAMESPACES = ("http://checklists.nist.gov/xccdf/1.2", "http://checklists.nist.gov/xccdf/1.1")
# Expat's errors at the end of input: the document stops inside a tag or before its root closes.
_ENDS_EARLY = {
    expat_errors.codes[expat_errors.XML_ERROR_NO_ELEMENTS],
    expat_errors.codes[expat_errors.XML_ERROR_UNCLOSED_TOKEN],
    expat_errors.codes[expat_errors.XML_ERROR_PARTIAL_CHAR],
}
ISO27001_2013_HREF = "https://www.iso.org/standard/54534.html"
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"

# XCCDF result values as Annexa statuses; rules the profile did not select are left out.
# "notchecked" (no automated check) and "informational" are kept as what they are.
STATUS = {
    "pass": "pass",
    "fixed": "pass",
    "fail": "fail",
    "error": "error",
    "unknown": "error",
    "notapplicable": "not_applicable",
    "notchecked": "not_checked",
    "informational": "informational",
}


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    title: str
    severity: str
    iso2013: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One evaluated rule: its id (full and short), result, and the rule's 2013 references."""

    rule_id: str
    short_id: str
    result: str  # the XCCDF value: pass, fail, notapplicable, …
    title: str
    severity: str
    iso2013: tuple[str, ...]
    target: str

    @property
    def status(self) -> str | None:
        """The Annexa status, or None for results that say nothing about the system."""
        return STATUS.get(self.result)


@dataclass
class ScanInfo:
    """What the TestResult element says about the scan (filled while reading)."""

    target: str = ""
    profile: str = ""
    benchmark: str = ""
    start_time: str = ""
    end_time: str = ""
    scanner: str = ""
    seen_test_result: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    # The platforms the benchmark is written for (CPE names, e.g. cpe:/o:debianproject:debian:11).
    platforms: list[str] = field(default_factory=list)

    @property
    def evaluated(self) -> int:
        """Rule results that say something about the system (pass, fail, error, …)."""
        return sum(n for value, n in self.counts.items() if value in EVALUATED)

    @property
    def profile_name(self) -> str:
        return self.profile.rsplit("_profile_", 1)[-1] or "no profile"

    @property
    def benchmark_name(self) -> str:
        return self.benchmark.rsplit("_benchmark_", 1)[-1] or "unknown benchmark"


# Results that come from evaluating a rule on the system (``notapplicable``, ``notselected``,
# ``notchecked`` and ``informational`` do not).
EVALUATED = ("pass", "fixed", "fail", "error", "unknown")
LABELS = {
    "notselected": "not selected",
    "notapplicable": "not applicable",
    "notchecked": "not checked",
    "informational": "informational",
}


def require_evaluated(info: ScanInfo) -> None:
    """Refuse a scan that evaluated no rule: it says nothing about the system, and stored as
    the host's latest results it would hide the failures of an earlier scan."""
    if info.evaluated:
        return
    total = sum(info.counts.values())
    tally = ", ".join(
        f"{n} {LABELS.get(value, value)}" for value, n in sorted(info.counts.items()) if n
    )
    why = f"of its {total} rule results: {tally}" if total else "it holds no rule result"
    if info.counts.get("notapplicable"):
        platforms = ", ".join(info.platforms) or "another platform"
        cause = (
            "no selected rule applies to the scanned system, so the content does not apply to "
            f"this OS (the benchmark {info.benchmark_name} is written for {platforms}); scan "
            "with the data stream of the host's operating system and version"
        )
    else:
        cause = f"the profile {info.profile_name} selects no rule that oscap could evaluate"
    raise FormatError(f"the OpenSCAP scan evaluated no rule ({why}): {cause}")


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def short_rule_id(rule_id: str) -> str:
    """The rule id without the SSG prefix: ``…content_rule_sshd_disable_root_login`` →
    ``sshd_disable_root_login``."""
    return rule_id.removeprefix(RULE_PREFIX)


def _text(element, name: str) -> str:
    for child in element:
        if _local(child.tag)[1] == name:
            return " ".join((child.text or "").split())
    return ""


def _definition(element) -> RuleDefinition:
    refs = []
    for child in element:
        if _local(child.tag)[1] == "reference" and child.get("href") == ISO27001_2013_HREF:
            value = (child.text or "").strip()
            if value:
                refs.append(value)
    return RuleDefinition(
        title=_text(element, "title"),
        severity=element.get("severity", "unknown"),
        iso2013=tuple(dict.fromkeys(refs)),
    )


def iter_results(stream: BinaryIO, info: ScanInfo | None = None) -> Iterator[RuleResult]:
    """Every ``rule-result`` of every TestResult in the file, in document order."""
    info = info if info is not None else ScanInfo()
    rules: dict[str, RuleDefinition] = {}
    seen_root = False
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            namespace, name = _local(element.tag)
            if event == "start":
                if not seen_root:
                    seen_root = True
                    _check_root(namespace, name)
                if name == "TestResult" and namespace in NAMESPACES:
                    info.seen_test_result = True
                    info.start_time = element.get("start-time", "")
                    info.end_time = element.get("end-time", "")
                    info.scanner = element.get("test-system", "")
                continue
            if namespace not in NAMESPACES:
                continue
            result = _on_end(name, element, rules, info)
            if result is not None:
                yield result
    except ParseError as exc:
        if exc.code in _ENDS_EARLY:
            line, column = exc.position
            raise FormatError(
                f"the XCCDF file is incomplete: it ends early (line {line}, column {column}) "
                "before its elements are closed; give the whole results file oscap wrote"
            ) from None
        raise FormatError(f"the XCCDF file is not well-formed XML: {exc}") from None
    except DefusedXmlException as exc:
        raise FormatError(f"the XCCDF file is not well-formed XML: {exc}") from None
    if not info.seen_test_result:
        raise FormatError(
            "the file holds no XCCDF TestResult: run `oscap xccdf eval` with --results"
        )


def _check_root(namespace: str, name: str) -> None:
    if namespace in NAMESPACES and name in ("Benchmark", "TestResult"):
        return
    if name == "asset-report-collection":  # ARF wraps the same elements
        return
    raise FormatError(f"not an XCCDF results file (the root element is {name!r})")


def _on_end(name: str, element, rules: dict, info: ScanInfo) -> RuleResult | None:
    if name == "Rule":
        rules[element.get("id", "")] = _definition(element)
        element.clear()
    elif name in ("Group", "Value", "Profile", "description", "fix", "rationale"):
        element.clear()
    elif name == "target":
        info.target = info.target or (element.text or "").strip()
    elif name == "profile":
        info.profile = element.get("idref", "")
    elif name == "benchmark":
        info.benchmark = element.get("id", "") or element.get("href", "")
    elif name == "platform" and element.get("idref", "").startswith("cpe:"):
        # Rules name their platforms by "#id"; the benchmark names its own by CPE.
        if element.get("idref") not in info.platforms:
            info.platforms.append(element.get("idref"))
    elif name == "rule-result":
        result = _rule_result(element, rules, info)
        element.clear()
        return result
    return None


def _rule_result(element, rules: dict[str, RuleDefinition], info: ScanInfo) -> RuleResult:
    rule_id = element.get("idref", "")
    if not rule_id:
        raise FormatError("a rule-result has no idref")
    value = _text(element, "result")
    if not value:
        raise FormatError(f"the rule-result of {rule_id} has no result")
    info.counts[value] = info.counts.get(value, 0) + 1
    definition = rules.get(rule_id) or RuleDefinition("", element.get("severity", "unknown"), ())
    return RuleResult(
        rule_id=rule_id,
        short_id=short_rule_id(rule_id),
        result=value,
        title=definition.title or short_rule_id(rule_id),
        severity=element.get("severity") or definition.severity,
        iso2013=definition.iso2013,
        target=info.target,
    )


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file look like XCCDF results."""
    text = head.decode("utf-8", "ignore")
    return "<" in text[:200] and any(ns in text for ns in NAMESPACES)
