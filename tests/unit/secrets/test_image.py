"""Secrets in image layers and the image config: a secret deleted by a later layer is still
reported, with the layer that holds it; ENV, labels and history are scanned too."""

from __future__ import annotations

import binascii
from pathlib import Path

from seawall.engine import scan
from seawall.secrets.image import register, scan_image_layers
from seawall.secrets.rules._validators import base62_encode
from seawall.sources.image import open_image
from support.images import E, layer_tar, write_oci_layout

BODY = "Kp4LxNc9YbJ7sFd6GeAHq3ZtR8vWm2"
GHP = "ghp_" + BODY + base62_encode(binascii.crc32(BODY.encode()))
STRIPE = "sk_live_Zq81LmN2bV7cX4pK9sT3rW6y"
PASSWORD = "Xk9#mP2vLq77Tz"


def build(tmp_path: Path) -> tuple[Path, list[str]]:
    layer1 = layer_tar(
        [
            E("app", type="dir"),
            E("app/.env", f"LOG=info\nGITHUB_TOKEN={GHP}\n".encode()),
            E("app/logo.png", b"\x89PNG\x00" + GHP.encode()),
        ]
    )
    layer2 = layer_tar([E("app/.wh..env"), E("app/main.py", b"print('hello')\n")])
    built = write_oci_layout(
        tmp_path / "layout",
        [layer1, layer2],
        config_extra={
            "config": {"Env": ["PATH=/usr/bin", f"STRIPE_KEY={STRIPE}"], "Labels": {"maintainer": "ops"}},
            "history": [
                {"created_by": f"/bin/sh -c #(nop) ARG DB_PASSWORD={PASSWORD}"},
                {"created_by": "COPY app /app"},
            ],
        },
    )
    return built.path, built.layer_digests


def test_deleted_file_is_reported_with_its_layer(tmp_path: Path) -> None:
    layout, digests = build(tmp_path)
    with open_image(layout) as img:
        findings = scan_image_layers(img)
    by_rule = {(f.rule_id, f.location.path, f.location.line, f.resource.layer) for f in findings}
    assert ("SW-SEC-050", "app/.env", 2, digests[0]) in by_rule
    assert not [f for f in findings if f.location.path == "app/logo.png"]  # binary: skipped
    cfg = {(f.rule_id, f.location.pointer) for f in findings if f.resource.layer == ""}
    assert ("SW-SEC-106", "/config/Env/1") in cfg
    assert ("SW-SEC-160", "/history/0/created_by") in cfg
    for f in findings:
        assert GHP not in f.message + f.evidence and STRIPE not in f.message + f.evidence
        assert PASSWORD not in f.message + f.evidence


def test_seawall_scan_finds_image_secrets_in_one_pass(tmp_path: Path) -> None:
    register()  # another test may have reset the image rules' detector
    layout, digests = build(tmp_path)
    report = scan([str(layout)])
    secrets = [f for f in report.findings if f.rule_id.startswith("SW-SEC-") and f.resource.image]
    assert {(f.rule_id, f.location.path) for f in secrets if f.resource.layer == digests[0]} == {
        ("SW-SEC-050", "app/.env")
    }
    # config secrets come from the image rules, detected by this engine (its redaction format)
    cfg = {f.rule_id: f.evidence for f in report.findings if f.rule_id in ("SW-IMG-002", "SW-IMG-004")}
    assert "sha256:" in cfg["SW-IMG-002"] and STRIPE not in cfg["SW-IMG-002"]
    assert "sha256:" in cfg["SW-IMG-004"] and PASSWORD not in cfg["SW-IMG-004"]
    assert not [f for f in secrets if f.resource.layer == ""]  # reported once, not twice


def test_config_strings_that_are_not_utf8_are_scanned(tmp_path: Path) -> None:
    """A JSON config may hold lone surrogates ("\\udcff" escapes): the ENV/label rules failed with
    'rule SW-IMG-002 failed: UnicodeEncodeError' and the run was incomplete."""
    register()
    built = write_oci_layout(
        tmp_path / "layout",
        [layer_tar([E("etc/os-release", b"ID=alpine\n")])],
        config_extra={
            "config": {"Env": [f"STRIPE_KEY={STRIPE} \udcff", "X=\udcff"], "Labels": {"\udcff": "\ud800"}},
            "history": [{"created_by": f"ARG DB_PASSWORD={PASSWORD} \udcff"}],
        },
    )
    report = scan([str(built.path)])
    assert not report.errors, report.errors
    rules = {f.rule_id for f in report.findings}
    assert {"SW-IMG-002", "SW-IMG-004"} <= rules
    with open_image(built.path) as img:
        pointers = {f.location.pointer for f in scan_image_layers(img)}
    assert "/config/Env/0" in pointers


def test_secret_findings_per_image_are_bounded(tmp_path: Path) -> None:
    """50,000 files holding a key (a 728 kB gzipped layer) made 100,000 findings and 414 MB of
    SARIF. Past the limit (10,000; 5 here) scanning stops and the limit is reported once."""
    from seawall.inventory.imagefs import squash
    from seawall.policy.config import Config
    from seawall.secrets.engine import scanner_for
    from seawall.secrets.image import layer_file_scanner

    files = [E(f"app/{i}.env", f"GITHUB_TOKEN={GHP}\n".encode()) for i in range(20)]
    built = write_oci_layout(tmp_path / "layout", [layer_tar(files)])
    found: list[object] = []
    limits: list[str] = []
    with open_image(built.path) as img:
        scan_one = layer_file_scanner(scanner_for(Config()), img, found.append, limits.append, max_findings=5)
        squash(img, wants=lambda _p: False, on_layer_file=scan_one)
        assert len(found) == 5 and len(limits) == 1 and "more than 5 secrets" in limits[0]
        everything: list[object] = []
        scan_all = layer_file_scanner(scanner_for(Config()), img, everything.append)
        squash(img, wants=lambda _p: False, on_layer_file=scan_all)
    assert len(everything) == 20  # the default limit is far above
