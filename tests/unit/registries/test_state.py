"""The resume file: lossless findings, tolerant of a run killed mid-write."""

from __future__ import annotations

import json
from pathlib import Path

from seawall.engine import scan
from seawall.model.finding import Finding
from seawall.registries.scan import ImageJob, ImageResult
from seawall.registries.state import StateFile, finding_from_record, finding_record


def _findings(tmp_path: Path) -> list[Finding]:
    # real findings with references, tool ids, pointers and extras, from a real scan
    p = tmp_path / "pod.yaml"
    p.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n"
        "  - name: c\n    image: nginx\n    securityContext: {privileged: true}\n"
    )
    found = scan([str(p)]).findings
    assert len(found) > 5
    return found


def test_findings_round_trip(tmp_path: Path) -> None:
    for f in _findings(tmp_path):
        rec = json.loads(json.dumps(finding_record(f)))
        back = finding_from_record(rec)
        assert back == f and back.fingerprint == f.fingerprint


def test_append_resume_and_partial_last_line(tmp_path: Path) -> None:
    path = tmp_path / "state" / "scan.jsonl"
    found = _findings(tmp_path)
    st = StateFile(path)
    assert st.done == {}
    a = ImageResult(ImageJob("team/a", "sha256:" + "1" * 64, ("1.0",)), findings=found[:3], signature="verified")
    b = ImageResult(ImageJob("team/b", "sha256:" + "2" * 64, ("2.0",)), errors=["boom"])
    st.append(a.record())
    st.append(b.record())
    st.close()
    with path.open("a") as fh:
        fh.write('{"v":1,"key":"team/c@sha256:333')  # killed mid-write
    st2 = StateFile(path)
    assert set(st2.done) == {a.job.key}  # failed images are retried, the torn line ignored
    assert st2.ignored_lines == 1
    back = ImageResult.from_record(a.job, st2.done[a.job.key])
    assert back.findings == found[:3] and back.signature == "verified" and back.resumed
    c = ImageResult(ImageJob("team/c", "sha256:" + "3" * 64, ("3",)))
    st2.append(c.record())
    st2.close()
    st3 = StateFile(path)
    assert set(st3.done) == {a.job.key, c.job.key} and st3.ignored_lines == 1
