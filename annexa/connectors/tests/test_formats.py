"""Parsers of tool outputs, on the real samples and on the ways files go wrong."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from annexa.connectors.formats import FormatError, jsonstream, lynis, ocsf, tabular, xccdf
from annexa.connectors.tests.samples import LYNIS, OPENSCAP, PROWLER, sample


class TestJsonStream:
    def values(self, text: str, **options) -> list:
        return list(jsonstream.iter_values(io.BytesIO(text.encode()), **options))

    def test_it_reads_an_array_element_by_element(self):
        assert self.values(' [ {"a": 1} , {"b": [2, 3]} ] ') == [{"a": 1}, {"b": [2, 3]}]

    def test_it_reads_json_lines(self):
        assert self.values('{"a": 1}\n{"a": 2}\n\n') == [{"a": 1}, {"a": 2}]

    def test_it_reads_values_cut_by_chunk_boundaries(self):
        documents = [{"id": i, "text": "é" * i, "nested": {"x": [i] * 3}} for i in range(50)]
        text = json.dumps(documents)
        for size in (1, 3, 7, 64):
            assert self.values(text, chunk_chars=size) == documents

    def test_it_reads_an_empty_array_and_an_empty_file(self):
        assert self.values("[]") == []
        assert self.values("  \n") == []

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('[{"a": 1}', "not closed"),
            ('[{"a": 1} {"b": 2}]', "expected ','"),
            ('[{"a": 1},]', "invalid JSON"),
            ('[{"a": 1}] trailing', "after the JSON array"),
            ("[1, 2]", "expected a JSON object"),
            ('{"a": tru}', "invalid JSON"),
        ],
    )
    def test_it_says_where_a_file_is_broken(self, text, message):
        with pytest.raises(FormatError, match=message):
            self.values(text)

    def test_it_refuses_a_value_larger_than_the_limit(self):
        text = json.dumps([{"big": "x" * 5000}])
        with pytest.raises(FormatError, match="larger than"):
            self.values(text, chunk_chars=256, max_value_chars=1000)

    def test_it_refuses_text_that_is_not_utf8(self):
        with pytest.raises(FormatError, match="UTF-8"):
            list(jsonstream.iter_values(io.BytesIO(b'[{"a": "\xff"}]')))


class TestXccdf:
    def test_it_reads_the_openscap_sample(self):
        info = xccdf.ScanInfo()
        with open(sample(OPENSCAP), "rb") as stream:
            results = list(xccdf.iter_results(stream, info))
        assert len(results) == 355
        statuses = [r.result for r in results]
        assert statuses.count("pass") == 17
        assert statuses.count("fail") == 1
        assert statuses.count("notapplicable") == 26
        assert info.target == "vm"
        assert info.profile.endswith("profile_standard")

    def test_it_keeps_the_2013_references_of_each_rule(self):
        with open(sample(OPENSCAP), "rb") as stream:
            by_rule = {r.short_id: r for r in xccdf.iter_results(stream)}
        logrotate = by_rule["ensure_logrotate_activated"]
        assert "A.12.4.1" in logrotate.iso2013
        assert logrotate.title == "Ensure Logrotate Runs Periodically"
        assert by_rule["file_permissions_systemmap"].result == "fail"

    def test_it_refuses_a_file_without_test_results(self):
        text = b'<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b"></Benchmark>'
        with pytest.raises(FormatError, match="no XCCDF TestResult"):
            list(xccdf.iter_results(io.BytesIO(text)))

    def test_it_refuses_other_xml_and_broken_xml(self):
        with pytest.raises(FormatError, match="not an XCCDF"):
            list(xccdf.iter_results(io.BytesIO(b"<html></html>")))
        broken = b'<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2"><a></b></Benchmark>'
        with pytest.raises(FormatError, match="well-formed"):
            list(xccdf.iter_results(io.BytesIO(broken)))
        with pytest.raises(FormatError, match="incomplete: it ends early"):
            list(xccdf.iter_results(io.BytesIO(b"<Benchmark")))

    def test_it_refuses_entity_expansion(self):
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2">&b;</Benchmark>'
        )
        with pytest.raises(FormatError):
            list(xccdf.iter_results(io.BytesIO(bomb)))


class TestLynis:
    def test_it_reads_the_lynis_sample(self):
        with open(sample(LYNIS), "rb") as stream:
            report = lynis.parse(stream)
        assert report.get("lynis_version") == "3.0.8"
        assert report.number("hardening_index") == 56
        assert report.flag("firewall_active") is True
        assert {n.test_id for n in report.warnings} == {"PKGS-7392", "LOGG-2138"}
        assert report.ran("AUTH-9286") and "SSH-7408" in report.tests_skipped
        assert len(report.installed_packages) > 500
        assert report.items("uncommon_network_protocol_enabled") == ["dccp", "sctp", "rds", "tipc"]

    def test_it_refuses_what_is_not_a_report(self):
        with pytest.raises(FormatError, match="empty"):
            lynis.parse(io.BytesIO(b"# nothing\n"))
        with pytest.raises(FormatError, match="not a Lynis report"):
            lynis.parse(io.BytesIO(b"a=b\n"))
        with pytest.raises(FormatError, match="line 2"):
            lynis.parse(io.BytesIO(b"lynis_version=3\nthis is prose\n"))


class TestOcsf:
    @pytest.mark.parametrize("name", PROWLER)
    def test_it_reads_the_prowler_samples(self, name):
        with open(sample(name), "rb") as stream:
            findings = list(ocsf.iter_findings(stream))
        assert findings and all(
            f.check_id and f.status in {"pass", "fail", "manual"} for f in findings
        )

    def test_it_reads_status_and_mapping_of_a_finding(self):
        with open(sample(PROWLER[0]), "rb") as stream:
            first = next(ocsf.iter_findings(stream))
        assert first.check_id == "accessanalyzer_enabled"
        assert first.status == "fail" and first.severity == "low"
        assert first.iso2022 is None  # the sample carries no ISO/IEC 27001:2022 entry

    def test_it_keeps_iso_2022_entries_verbatim(self):
        document = {
            "metadata": {"event_code": "x"},
            "status_code": "PASS",
            "unmapped": {"compliance": {"ISO27001-2022": ["A.8.5", "A.5.15"], "CIS-2.0": ["1.1"]}},
        }
        assert ocsf.normalise(document).iso2022 == ("A.8.5", "A.5.15")

    def test_it_reads_compliance_findings_of_other_producers(self):
        document = {
            "class_uid": 2003,
            "finding_info": {"title": "Disk encrypted"},
            "compliance": {"status": "Warning"},
        }
        finding = ocsf.normalise(document)
        assert (finding.check_id, finding.status) == ("Disk encrypted", "fail")

    def test_it_refuses_other_event_classes(self):
        with pytest.raises(FormatError, match="finding #1: OCSF class 3002"):
            list(ocsf.iter_findings(io.BytesIO(b'[{"class_uid": 3002}]')))

    def test_it_streams_in_bounded_memory(self, tmp_path):
        path = tmp_path / "many.ocsf.json"
        with open(sample(PROWLER[0]), "rb") as stream:
            template = json.load(stream)[0]
        count = 20_000
        with open(path, "w") as handle:
            handle.write("[")
            for number in range(count):
                template["finding_info"]["uid"] = f"finding-{number}"
                handle.write(("," if number else "") + json.dumps(template))
            handle.write("]")
        size = path.stat().st_size
        tracemalloc.start()
        try:
            with open(path, "rb") as stream:
                seen = sum(1 for _ in ocsf.iter_findings(stream))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert seen == count
        # The file is tens of megabytes; reading it keeps a few chunks, not the file.
        assert size > 50 * 1024 * 1024
        assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte file"


class TestTables:
    def read(self, text: str, kind: str | None = None) -> tabular.Table:
        return tabular.read_table(io.BytesIO(text.encode()), "export.csv", kind)

    def test_it_reads_typed_rows_and_detects_the_kind(self):
        table = self.read(
            "Account,System,Person,Account status,MFA,Terminated on\n"
            "jdoe,Google Workspace,JDoe@Acme.test,Enabled,yes,2025-01-31\n"
        )
        assert table.kind == "accounts"
        row = table.rows[0]
        assert row["person"] == "jdoe@acme.test" and row["account_status"] == "enabled"
        assert row["mfa"] is True and str(row["terminated_on"]) == "2025-01-31"

    def test_it_refuses_the_whole_file_listing_every_problem(self):
        with pytest.raises(tabular.TableRejected) as caught:
            self.read(
                "account,system,account_status,mfa,last_login\n"
                "a,crm,enabled,maybe,2025-13-01\n"
                "b,crm,gone,true,\n"
                "a,crm,enabled,true,\n"
                "=cmd(),crm,enabled,true,\n",
                "accounts",
            )
        problems = {(e.row, e.column) for e in caught.value.errors}
        assert {
            (2, "mfa"),
            (2, "last_login"),
            (3, "account_status"),
            (4, "account"),
            (5, "account"),
        } <= problems

    def test_it_names_a_missing_required_column(self):
        with pytest.raises(tabular.TableRejected, match="column 'course' is missing"):
            self.read("person,status\na@b.test,completed\n", "training")

    def test_it_refuses_a_file_it_cannot_classify(self):
        with pytest.raises(FormatError, match="match no known export"):
            self.read("colour,size\nred,large\n")

    def test_it_reads_xlsx(self):
        from annexa.core.spreadsheets import write_xlsx

        data = write_xlsx(
            ["asset_id", "name", "type", "owner", "encrypted"],
            [["L-1", "Laptop of Ann", "laptop", "Ann", "TRUE"]],
        )
        table = tabular.read_table(io.BytesIO(data), "assets.xlsx")
        assert table.kind == "assets" and table.rows[0]["encrypted"] is True
