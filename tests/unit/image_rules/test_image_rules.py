"""Every SW-IMG rule fires on an image built to violate it and stays silent on a fixed one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from seawall import plugins
from seawall.rules.image.eol import load_table, parse_table
from seawall.rules.image.secrets import SecretHit, default_detector, redact, set_detector
from seawall.rules.registry import REGISTRY

plugins.load()

GOOD_CFG: dict[str, Any] = {
    "config": {
        "User": "10001:10001",
        "Env": ["PATH=/usr/bin", "DB_PASSWORD_FILE=/run/secrets/db"],
        "Healthcheck": {"Test": ["CMD", "/app/health"]},
        "ExposedPorts": {"8080/tcp": {}},
    },
    "created": "2026-11-01T10:00:00.123456789Z",
}


def cfg(**config: Any) -> dict[str, Any]:
    out = {k: v for k, v in GOOD_CFG.items() if k != "config"}
    out["config"] = {**GOOD_CFG["config"], **config}
    return out


def test_all_image_rules_are_registered() -> None:
    ids = sorted(r.meta.id for r in REGISTRY.for_target("image"))
    assert ids == [f"SW-IMG-{i:03d}" for i in range(1, 15)]


def test_clean_image_has_no_findings(analyze, mktree) -> None:  # type: ignore[no-untyped-def]
    a = analyze([mktree({"app/server": "x", "etc/os-release": "ID=debian\nVERSION_ID=13\n"})], config=GOOD_CFG)
    assert [(f.rule_id, f.message) for f in a.findings] == []


@pytest.mark.parametrize(
    ("user", "fires"), [(None, True), ("", True), ("0", True), ("root:root", True), ("0:0", True), ("app", False)]
)
def test_runs_as_root(analyze, of, user: str | None, fires: bool) -> None:  # type: ignore[no-untyped-def]
    c = cfg()
    if user is None:
        del c["config"]["User"]
    else:
        c["config"]["User"] = user
    found = of(analyze(config=c), "SW-IMG-001")
    assert bool(found) is fires
    if found:
        assert found[0].location.path == "config.User" and found[0].resource.image == "example.test/app:1.0"


def test_env_label_history_secrets(analyze, of) -> None:  # type: ignore[no-untyped-def]
    token = "ghp_" + "a1B2" * 9
    c = cfg(
        Env=["PATH=/usr/bin", "DB_PASSWORD=hunter2-very-secret", f"GH={token}", "API_KEY=${API_KEY}"],
        Labels={"deploy.token": "s3cr3t-value-123", "maintainer": "me"},
    )
    c["history"] = [
        {"created_by": "|1 NPM_TOKEN=npm_" + "x" * 36 + " /bin/sh -c npm ci", "created": "2026-01-01T00:00:00Z"}
    ]
    a = analyze(config=c)
    env = of(a, "SW-IMG-002")
    assert sorted(f.location.path for f in env) == ["config.Env[1]", "config.Env[2]"]
    assert of(a, "SW-IMG-003")[0].location.path == "config.Labels.deploy.token"
    hist = of(a, "SW-IMG-004")
    assert len(hist) == 1 and hist[0].resource.layer.startswith("sha256:")
    text = " ".join(f.message + f.evidence for f in a.findings)
    for secret in ("hunter2-very-secret", token, "s3cr3t-value-123", "x" * 36):
        assert secret not in text  # redacted at detection time


def test_config_secrets_are_listed_up_to_a_limit(analyze, of) -> None:  # type: ignore[no-untyped-def]
    """An 8 MB config holds ~270,000 ENV entries or history steps, each a finding before (GB of
    SARIF from a small archive). Each rule lists 100 per image; one more finding counts the rest."""
    from seawall.rules.image.subject import MAX_LISTED

    c = cfg(Env=[f"DB_PASSWORD_{i}=hunter2-very-secret-{i}" for i in range(MAX_LISTED + 30)])
    c["history"] = [{"created_by": f"ARG API_TOKEN=abcdefgh{i}", "created": "2026-01-01T00:00:00Z"} for i in range(150)]
    a = analyze(config=c)
    env = of(a, "SW-IMG-002")
    assert len(env) == MAX_LISTED + 1
    (summary,) = [f for f in env if "more secrets in ENV values" in f.message]
    assert summary.message.startswith("30 more") and summary.location.path == f"config.Env[{MAX_LISTED}]"
    hist = of(a, "SW-IMG-004")
    assert len(hist) == MAX_LISTED + 1 and any(f.message.startswith("50 more secrets") for f in hist)


def test_secret_detector_hook(analyze, of) -> None:  # type: ignore[no-untyped-def]
    def only_foo(name: str, value: str) -> list[SecretHit]:
        return [SecretHit("foo secret", redact(value))] if value.startswith("foo") else []

    set_detector(only_foo)
    try:
        a = analyze(config=cfg(Env=["A=foobarbaz", "DB_PASSWORD=hunter2-very-secret"]))
    finally:
        set_detector(None)
    assert [f.location.path for f in of(a, "SW-IMG-002")] == ["config.Env[0]"]
    assert list(default_detector("PASSWORD", "${PASSWORD}")) == []


def test_add_remote_url(analyze, of) -> None:  # type: ignore[no-untyped-def]
    c = cfg()
    c["history"] = [
        {"created_by": "ADD https://example.com/tool.tgz /opt/ # buildkit", "created": "2026-01-01T00:00:00Z"},
        {"created_by": "/bin/sh -c #(nop) ADD file:abc in /", "created": "2026-01-01T00:00:00Z"},
    ]
    found = of(analyze([[], []], config=c), "SW-IMG-005")
    assert [f.location.path for f in found] == ["history[0].created_by"]


def test_add_remote_url_and_ssh_port_findings_are_capped(analyze, of) -> None:  # type: ignore[no-untyped-def]
    from seawall.rules.image.subject import MAX_LISTED

    c = cfg(ExposedPorts={f"22/x{i}": {} for i in range(MAX_LISTED + 5)})
    step = {"created_by": "ADD https://example.com/t.tgz /t", "created": "2026-01-01T00:00:00Z"}
    c["history"] = [step] * (MAX_LISTED + 7)
    a = analyze([[], []], config=c)
    add, ssh = of(a, "SW-IMG-005"), of(a, "SW-IMG-011")
    assert len(add) == len(ssh) == MAX_LISTED + 1
    assert any(f.message.startswith("7 more build steps adding remote URLs") for f in add)
    assert any(f.message.startswith("5 more port 22 entries") for f in ssh)


def test_add_remote_url_pattern_is_linear(analyze, of) -> None:  # type: ignore[no-untyped-def]
    """'ADD' then a million blanks: the pattern split the run two ways at each position (hours
    of backtracking; 20,000 blanks took 2.5 s). The forms it matches are unchanged."""
    c = cfg()
    c["history"] = [
        {"created_by": "ADD" + " " * 1_000_000 + "x", "created": "2026-01-01T00:00:00Z"},
        {"created_by": "ADD --chown=1:1   https://example.com/a.tgz /a", "created": "2026-01-01T00:00:00Z"},
        {"created_by": "#(nop)  ADD file:  https://example.com/b.tgz /b", "created": "2026-01-01T00:00:00Z"},
    ]
    found = of(analyze([[], []], config=c), "SW-IMG-005")
    assert [f.location.path for f in found] == ["history[1].created_by", "history[2].created_by"]


@pytest.mark.parametrize(
    ("tags", "fires"), [(["example.test/app:latest"], True), (["example.test/app:1.2"], False), ([], False)]
)
def test_latest_tag_archive(analyze, of, tags: list[str], fires: bool) -> None:  # type: ignore[no-untyped-def]
    assert bool(of(analyze(config=GOOD_CFG, repo_tags=tags), "SW-IMG-006")) is fires


@pytest.mark.parametrize(
    ("hc", "fires"), [(None, True), ({"Test": ["NONE"]}, True), ({"Test": ["CMD-SHELL", "true"]}, False)]
)
def test_healthcheck(analyze, of, hc: Any, fires: bool) -> None:  # type: ignore[no-untyped-def]
    c = cfg()
    if hc is None:
        del c["config"]["Healthcheck"]
    else:
        c["config"]["Healthcheck"] = hc
    assert bool(of(analyze(config=c), "SW-IMG-007")) is fires


def test_setuid_and_ssh_and_sudo(analyze, of, mktree) -> None:  # type: ignore[no-untyped-def]
    layer1 = mktree({"usr/bin/su": "x"}, mode=0o4755) + mktree({"usr/bin/wall": "x"}, mode=0o2755)
    layer2 = mktree({"usr/sbin/sshd": "x", "usr/bin/sudo": "x"}, mode=0o755)
    a = analyze([layer1, layer2], config=cfg(ExposedPorts={"22/tcp": {}, "8080/tcp": {}}))
    assert sorted(f.location.path for f in of(a, "SW-IMG-008")) == ["usr/bin/su", "usr/bin/wall"]
    assert [f.location.path for f in of(a, "SW-IMG-010")] == ["usr/sbin/sshd"]
    assert [f.location.path for f in of(a, "SW-IMG-009")] == ["usr/bin/sudo"]
    assert [f.location.path for f in of(a, "SW-IMG-011")] == ["config.ExposedPorts.22/tcp"]
    layers = {f.location.path: f.resource.layer for f in a.findings}
    assert layers["usr/bin/su"] != layers["usr/sbin/sshd"]  # each finding names the layer that added it


def test_many_setuid_files_are_summarised(analyze, of, mktree) -> None:  # type: ignore[no-untyped-def]
    """200,000 setuid files (a 1.9 MB gzipped layer) were 200,000 findings: 1.3 GB and 20 s of
    SARIF, three minutes of table. The first 100 are listed, one finding counts the rest."""
    from seawall.rules.image.contents import MAX_SETUID_LISTED

    files = {f"s/{i:04d}": "x" for i in range(MAX_SETUID_LISTED + 50)}
    found = of(analyze([mktree(files, mode=0o4755)]), "SW-IMG-008")
    assert len(found) == MAX_SETUID_LISTED + 1
    (summary,) = [f for f in found if "more setuid" in f.message]
    assert summary.message.startswith("50 more setuid or setgid files") and summary.location.path == "s/0100"


def test_sshd_package_and_removed_by_later_layer(analyze, of, mktree) -> None:  # type: ignore[no-untyped-def]
    status = "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\nArchitecture: amd64\n"
    a = analyze([mktree({"var/lib/dpkg/status": status})], config=GOOD_CFG)
    assert of(a, "SW-IMG-010")[0].evidence == "package openssh-server 1:9.2p1-2"
    gone = analyze([mktree({"usr/bin/sudo": "x"}), mktree({"usr/bin/.wh.sudo": ""})], config=GOOD_CFG)
    assert of(gone, "SW-IMG-009") == []


def test_package_caches(analyze, of, mktree) -> None:  # type: ignore[no-untyped-def]
    a = analyze(
        [
            mktree(
                {
                    "var/cache/apt/archives/curl_8.deb": b"!<arch>" * 10,
                    "var/cache/apt/archives/lock": "",
                    "var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease": "x" * 100,
                    "root/.cache/pip/http/a/b": "y",
                }
            )
        ],
        config=GOOD_CFG,
    )
    assert sorted(f.location.path for f in of(a, "SW-IMG-012")) == [
        "root/.cache/pip",
        "var/cache/apt/archives",
        "var/lib/apt/lists",
    ]
    clean = analyze([mktree({"var/cache/apt/archives/lock": "", "var/lib/apt/lists/lock": ""})], config=GOOD_CFG)
    assert of(clean, "SW-IMG-012") == []


@pytest.mark.parametrize(
    ("created", "limit", "fires"),
    [
        ("2024-01-02T03:04:05Z", None, True),
        ("2026-10-01T00:00:00Z", None, False),
        ("2026-10-01T00:00:00Z", 30, True),
        ("1970-01-01T00:00:00Z", None, False),
        ("garbage", None, False),
    ],
)
def test_image_age(analyze, of, created: str, limit: int | None, fires: bool) -> None:  # type: ignore[no-untyped-def]
    c = cfg()
    c["created"] = created
    sections = {"image": {"max_age_days": limit}} if limit else {}
    assert bool(of(analyze(config=c, sections=sections), "SW-IMG-013")) is fires


@pytest.mark.parametrize(
    ("os_release", "today", "severity"),
    [
        ('ID=debian\nVERSION_ID="10"\n', dt.date(2026, 11, 29), "high"),
        ('ID=debian\nVERSION_ID="12"\n', dt.date(2026, 11, 29), "low"),  # LTS only
        ('ID=debian\nVERSION_ID="12"\n', dt.date(2025, 1, 1), None),
        ("ID=alpine\nVERSION_ID=3.9.6\n", dt.date(2026, 11, 29), "high"),  # older than the table
        ("ID=alpine\nVERSION_ID=3.22.1\n", dt.date(2026, 11, 29), None),
        ('ID="rhel"\nVERSION_ID="7.9"\n', dt.date(2026, 11, 29), "high"),
        ('ID="rocky"\nVERSION_ID="9.3"\n', dt.date(2026, 11, 29), None),
        ('ID=ubuntu\nVERSION_ID="20.04"\n', dt.date(2026, 11, 29), "high"),
        ("ID=plan9\nVERSION_ID=4\n", dt.date(2026, 11, 29), None),
    ],
)
def test_distribution_eol(analyze, of, mktree, os_release: str, today: dt.date, severity: str | None) -> None:  # type: ignore[no-untyped-def]
    a = analyze([mktree({"etc/os-release": os_release})], config=GOOD_CFG, today=today)
    found = of(a, "SW-IMG-014")
    assert [f.severity.label for f in found] == ([severity] if severity else [])
    if found:
        assert found[0].location.path == "etc/os-release" and found[0].resource.layer.startswith("sha256:")


def test_eol_table_is_dated_and_complete() -> None:
    table = load_table()
    assert table.compiled <= dt.date.today() + dt.timedelta(days=1)
    assert {"debian", "ubuntu", "alpine", "rhel", "almalinux", "rocky"} <= set(table.releases)
    with pytest.raises(ValueError):
        parse_table({"distributions": {}})
