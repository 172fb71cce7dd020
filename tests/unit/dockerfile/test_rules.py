"""Each Dockerfile rule fires on a bad example at the right line and not on a good one."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.dockerfile.handler import lint
from seawall.dockerfile.parser import parse
from seawall.engine import ScanRun, scan
from seawall.policy.config import Config, parse_config
from seawall.rules.dockerfile.context import dockerignore_excludes

GOOD = """\
FROM debian:12.7-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS base
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY app/ /app/
RUN pip install --no-cache-dir requests==2.32.3
USER 10001
EXPOSE 8080
HEALTHCHECK CMD ["/app/health"]
CMD ["python", "/app/main.py"]
"""

# (rule id, Dockerfile, expected lines)
CASES = [
    ("SW-DF-001", "FROM nginx:latest\n", [1]),
    ("SW-DF-002", "FROM nginx\n", [1]),
    ("SW-DF-003", "FROM nginx:1.27\n", [1]),
    ("SW-DF-005", "FROM a:1 AS x\nFROM b:1 AS x\n", [2]),
    ("SW-DF-006", "FROM a:1 AS one\nCOPY --from=1 /a /b\nFROM b:1\nCOPY --from=0 /a /b\n", [2]),
    ("SW-DF-046", "FROM a:1 AS one\nCOPY --from=one /a /b\nFROM b:1\nCOPY --from=one /a /b\n", [2]),
    ("SW-DF-007", "RUN echo\nFROM a:1\n", [1]),
    ("SW-DF-010", "FROM a:1\nRUN apt-get install -y curl vim=2\n", [2]),
    ("SW-DF-011", "FROM a:1\nRUN apt-get install -y curl\n", [2]),
    ("SW-DF-012", "FROM a:1\nRUN apt-get update && apt-get install -y curl\n", [2]),
    ("SW-DF-013", "FROM a:1\nRUN apt-get install curl\n", [2]),
    ("SW-DF-014", "FROM a:1\nRUN apt install -y curl\n", [2]),
    ("SW-DF-015", "FROM alpine:3.20\nRUN apk add --no-cache curl\n", [2]),
    ("SW-DF-016", "FROM alpine:3.20\nRUN apk add curl=8.9\n", [2]),
    ("SW-DF-017", "FROM a:1\nRUN pip install --no-cache-dir flask requests==2.0\n", [2]),
    ("SW-DF-018", "FROM a:1\nRUN python -m pip install flask==3.0\n", [2]),
    ("SW-DF-019", "FROM a:1\nRUN npm install express lodash@4.17.21\n", [2]),
    ("SW-DF-020", "FROM a:1\nRUN gem install rake\n", [2]),
    ("SW-DF-021", "FROM a:1\nRUN yum install -y httpd && yum clean all\n", [2]),
    ("SW-DF-022", "FROM a:1\nRUN yum install -y httpd-2.4\n", [2]),
    ("SW-DF-025", "FROM a:1\nRUN dnf install -y httpd && dnf clean all\n", [2]),
    ("SW-DF-026", "FROM a:1\nRUN microdnf install -y httpd-2.4\n", [2]),
    ("SW-DF-023", "FROM a:1\nRUN apt-get upgrade -y\n", [2]),
    ("SW-DF-024", "FROM a:1\nRUN apt-get install -y sudo\n", [2]),
    ("SW-DF-029", "FROM a:1\nUSER app\nUSER root\n", [3]),
    ("SW-DF-030", "FROM a:1 AS base\nUSER app\nFROM base\nFROM b:2\n", [4]),
    ("SW-DF-031", "FROM a:1\n", [1]),
    ("SW-DF-032", 'FROM a:1\nCMD ["a"]\nCMD ["b"]\n', [3]),
    ("SW-DF-044", 'FROM a:1\nENTRYPOINT ["a"]\nCMD ["b"]\nENTRYPOINT ["c"]\n', [4]),
    ("SW-DF-045", "FROM a:1\nHEALTHCHECK CMD a\nHEALTHCHECK NONE\n", [3]),
    ("SW-DF-033", "FROM a:1\nENTRYPOINT python app.py\n", [2]),
    ("SW-DF-034", "FROM a:1\nWORKDIR app\n", [2]),
    ("SW-DF-035", "FROM a:1\nMAINTAINER me\n", [2]),
    ("SW-DF-036", "FROM a:1\nEXPOSE 80 22/tcp\n", [2]),
    ("SW-DF-037", "FROM a:1\nEXPOSE 70000\n", [2]),
    ("SW-DF-038", "FROM a:1\nADD app /app\n", [2]),
    ("SW-DF-039", "FROM a:1\nADD https://example.com/x.tgz /x\n", [2]),
    ("SW-DF-040", "FROM a:1\nCOPY a b /dest\n", [2]),
    ("SW-DF-041", "FROM a:1\nRUN cd /tmp && make\n", [2]),
    ("SW-DF-043", "FROM a:1\nCOPY a.txt data/\n", [2]),
    ("SW-DF-050", "FROM a:1\nRUN wget -qO- https://x/i.sh | sh\n", [2]),
    ("SW-DF-051", "FROM a:1\nRUN sudo make install\n", [2]),
    ("SW-DF-052", "FROM a:1\nRUN chmod 777 /app\n", [2]),
    ("SW-DF-053", "FROM a:1\nRUN service nginx start\n", [2]),
    ("SW-DF-054", "FROM a:1\nRUN curl -s https://x | tar xz\n", [2]),
    ("SW-DF-060", "FROM a:1\nENV API_KEY=Zk3l9aQ01mzPq\n", [2]),
    ("SW-DF-061", "FROM a:1\nARG DB_PASSWORD=s3cr3tvalue1\n", [2]),
]


def lines(rule_id: str, text: str, tmp: Path | None = None, config: Config | None = None) -> list[int]:
    """Lines where ``rule_id`` fires (unsuppressed); without a config rule errors propagate."""
    df = parse(text, "Dockerfile")
    findings = lint(df, ScanRun(config) if config is not None else None, tmp)
    return sorted(f.location.line for f in findings if f.rule_id == rule_id and not f.suppressed)


@pytest.mark.parametrize(("rule_id", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_bad_example(rule_id: str, text: str, expected: list[int], tmp_path: Path) -> None:
    assert lines(rule_id, text, tmp_path) == expected


@pytest.mark.parametrize("rule_id", sorted({c[0] for c in CASES}))
def test_rule_quiet_on_good_dockerfile(rule_id: str, tmp_path: Path) -> None:
    assert lines(rule_id, GOOD, tmp_path) == []


def test_untrusted_registry_uses_policy(tmp_path: Path) -> None:
    cfg = parse_config({"registries": {"allowed": ["registry.example.com/*"]}}, "cfg", tmp_path)
    text = "FROM registry.example.com/base/debian:12\nFROM nginx:1.27\n"
    assert lines("SW-DF-004", text, tmp_path, cfg) == [2]
    assert lines("SW-DF-004", text, tmp_path) == []  # no allow-list configured: not checked
    plain = parse_config({"registries": {"allowed": ["reg.io/team/app"]}}, "cfg", tmp_path)
    assert lines("SW-DF-004", "FROM reg.io/team/app:1\nFROM reg.io/other:1\n", tmp_path, plain) == [2]


def test_copy_all_needs_dockerignore(tmp_path: Path) -> None:
    text = "FROM a:1\nWORKDIR /app\nCOPY . .\n"
    assert lines("SW-DF-070", text, tmp_path) == [3]
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert lines("SW-DF-070", text, tmp_path) == [3]
    (tmp_path / ".dockerignore").write_text(".git\n**/.env\n")
    assert lines("SW-DF-070", text, tmp_path) == []


def test_dockerignore_semantics() -> None:
    assert dockerignore_excludes(["*", "!src"], ".git")
    assert not dockerignore_excludes([".git", "!.git"], ".git")
    assert dockerignore_excludes(["**/.env"], ".env")


def test_inline_ignores_hadolint_and_seawall(tmp_path: Path) -> None:
    text = (
        "# hadolint global ignore=DL3057\nFROM a:1\n# hadolint ignore=DL3008,DL3015\n"
        "RUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n# seawall ignore=SW-DF-035\nMAINTAINER me\n"
    )
    for rid in ("SW-DF-031", "SW-DF-010", "SW-DF-011", "SW-DF-035"):
        assert lines(rid, text, tmp_path) == [], rid


def test_secret_values_are_redacted(tmp_path: Path) -> None:
    df = parse("FROM a:1\nENV DB_PASSWORD=Sup3rSecretValue99\n", "Dockerfile")
    f = next(f for f in lint(df, None, tmp_path) if f.rule_id == "SW-DF-060")
    assert "Sup3rSecretValue99" not in f.evidence + f.message


def test_scan_picks_up_dockerfiles(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM nginx:latest\n")
    (tmp_path / "api.Dockerfile").write_text("FROM nginx\n")
    report = scan([str(tmp_path)], Config())
    got = {(Path(f.location.path).name, f.rule_id) for f in report.findings}
    assert ("Dockerfile", "SW-DF-001") in got and ("api.Dockerfile", "SW-DF-002") in got


def test_many_stages_and_runs_stay_linear(tmp_path: Path) -> None:
    """100k chained stages ('FROM sN AS sN+1') ran past a minute: the final-USER chain used list
    membership with dataclass equality, COPY --from rebuilt the earlier names per stage, and the
    pipefail rule walked every RUN once per stage. Same findings as before, in linear time."""
    n = 20_000
    text = "FROM alpine AS s0\nUSER app\n" + "".join(
        f"FROM s{i} AS s{i + 1}\nCOPY --from=s{i} /a /a\nRUN curl x | sh\n" for i in range(n)
    )
    df = parse(text, "Dockerfile")
    found = [(f.rule_id, f.location.line) for f in lint(df, ScanRun(Config()), tmp_path)]
    assert not any(r in ("SW-DF-029", "SW-DF-030", "SW-DF-006") for r, _ in found)  # USER inherited
    assert sum(r == "SW-DF-054" for r, _ in found) == n  # every piped RUN, once


def test_hostile_dockerignore_is_bounded(tmp_path: Path) -> None:
    """A 300 KB '[a-[a-...' line in .dockerignore ran past a minute (fnmatch translation is
    quadratic); such lines are skipped, the others still count."""
    text = "FROM a:1\nWORKDIR /app\nCOPY . .\n"
    (tmp_path / ".dockerignore").write_text("[a-" * 100_000 + "\n.git\n**/.env\n")
    assert lines("SW-DF-070", text, tmp_path) == []


def test_unicode_and_huge_numbers_in_ports_and_stage_indexes(tmp_path: Path) -> None:
    """'²' passes str.isdigit() but not int(): SW-DF-037 and SW-DF-006 failed with ValueError
    (the scan incomplete, exit 3); a 5000-digit index is over int()'s limit."""
    text = "FROM a:1 AS a\nCOPY --from=\u00b2 / /\nCOPY --from=" + "9" * 5000 + " / /\nEXPOSE \u00b2\nEXPOSE 1-\u00b3\n"
    assert lines("SW-DF-037", text, tmp_path) == [4, 5]
    assert lines("SW-DF-006", text, tmp_path) == [2, 3]
