"""``seawall netpol matrix`` and ``seawall netpol explain`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seawall.cli.main import main


@pytest.fixture
def boutique(shared_dir: Path) -> str:
    return str(shared_dir / "corpus" / "netpol" / "np-guard" / "tests" / "onlineboutique_workloads")


def test_matrix_connlist_equals_golden(boutique: str, shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["netpol", "matrix", boutique, "--format", "connlist"]) == 0
    golden = shared_dir / "corpus/netpol/np-guard/test_outputs/connlist/onlineboutique_workloads_connlist_output.txt"
    assert capsys.readouterr().out.strip() == golden.read_text(encoding="utf-8").strip()


def test_matrix_focus_and_exposure(boutique: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["netpol", "matrix", boutique, "--format", "txt", "--focusworkload", "default/loadgenerator", "--exposure"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "default/loadgenerator[Deployment] => default/frontend[Deployment] : TCP 8080" in out
    assert "[all namespaces]/[pod with {k8s-app=kube-dns}] : UDP 53" in out
    assert "checkoutservice" not in out


def test_matrix_focus_direction_and_conn(boutique: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "netpol",
                "matrix",
                boutique,
                "--format",
                "txt",
                "--focusworkload",
                "cartservice",
                "--focus-direction",
                "ingress",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines and all(line.split(" => ")[1].startswith("default/cartservice") for line in lines)
    assert main(["netpol", "matrix", boutique, "--format", "txt", "--focus-conn", "tcp-7070"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Permitted connections on TCP 7070:"
    assert lines[1:] == [  # pairs allowing everything allow TCP 7070 too
        "0.0.0.0-255.255.255.255[External] => default/redis-cart[Deployment]",
        "default/checkoutservice[Deployment] => default/cartservice[Deployment]",
        "default/frontend[Deployment] => default/cartservice[Deployment]",
        "default/redis-cart[Deployment] => 0.0.0.0-255.255.255.255[External]",
    ]


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md", "dot", "html"])
def test_matrix_formats_to_file(boutique: str, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"m.{fmt}"
    assert main(["netpol", "matrix", boutique, "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "frontend" in text
    if fmt == "json":
        assert {"src", "dst", "conn"} <= set(json.loads(text)[0])
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<script src" not in text
        assert "<h2>Matrix</h2>" in text and text.count("<tr><th>") - 2 == 13  # 12 workloads + 1 range, 2 header rows


def test_explain_allowed_and_denied(boutique: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["netpol", "explain", "frontend", "cartservice", "7070/TCP", boutique]) == 0
    out = capsys.readouterr().out
    assert "default/frontend-netpol egress rule #2" in out and "default/cartservice-netpol ingress rule #2" in out
    assert out.strip().endswith("ALLOWED: TCP 7070 (allowed: TCP 7070)")
    assert main(["netpol", "explain", "frontend", "cartservice", "udp/53", boutique]) == 1
    assert "DENIED: UDP 53" in capsys.readouterr().out
    assert main(["netpol", "explain", "cartservice", "frontend", boutique, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "denied" and data["ingress"]["restricted"] and not data["ingress"]["rules"]


def test_explain_unknown_workload_is_a_usage_error(boutique: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["netpol", "explain", "nope", "frontend", boutique]) == 2
    assert "no workload or IP address 'nope'" in capsys.readouterr().err


def test_hostile_input_is_reported_not_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unreadable inputs are one-line errors; the rest is analysed and written in full, and the exit
    code says the analysis is incomplete (3), as ``seawall scan`` and ``seawall rbac`` say it: a
    policy in a broken file is missing from the result."""
    (tmp_path / "bad.yaml").write_text("a: [unclosed\n", encoding="utf-8")
    (tmp_path / "bin.json").write_bytes(b"\x00\x01\x02")
    (tmp_path / "ok.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n", encoding="utf-8"
    )
    assert main(["netpol", "matrix", str(tmp_path), "--format", "txt"]) == 3
    cap = capsys.readouterr()
    assert "default/p[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections" in cap.out
    errors = [line for line in cap.err.splitlines() if line.startswith("seawall: error: ")]
    assert len(errors) == 2 and "bad.yaml" in errors[0] + errors[1] and "bin.json" in errors[0] + errors[1]
    assert "Traceback" not in cap.err
    # explain: the verdict is not to be trusted either
    assert main(["netpol", "explain", "default/p", "8.8.8.8", str(tmp_path)]) == 3
    assert "allowed" in capsys.readouterr().out.lower()
    # --each: every PATH is analysed; one bad PATH makes the run incomplete
    good = tmp_path / "good"
    good.mkdir()
    (good / "ok.yaml").write_text((tmp_path / "ok.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["netpol", "matrix", "--each", str(good), "--format", "txt"]) == 0
    assert main(["netpol", "matrix", "--each", str(good), str(tmp_path), "--format", "txt"]) == 3


def test_lean_entry_point_matches_full_cli(boutique: str, capsys: pytest.CaptureFixture[str]) -> None:
    from seawall.cli.netpol import main as netpol_main

    assert netpol_main(["matrix", boutique, "--format", "csv"]) == 0
    lean = capsys.readouterr().out
    assert main(["netpol", "matrix", boutique, "--format", "csv"]) == 0
    assert capsys.readouterr().out == lean
    assert netpol_main(["explain", "nope", "x", boutique]) == 2


def test_explain_names_admin_policy_decisions(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = str(shared_dir / "corpus" / "netpol" / "np-guard" / "tests" / "anp_banp_blog_demo")
    assert main(["netpol", "explain", "mymonitoring", "mybar", demo]) == 1
    out = capsys.readouterr().out
    assert "AdminNetworkPolicy (priority 7) pass-monitoring rule 'pass-ingress-from-monitoring': Pass" in out
    assert "BaselineAdminNetworkPolicy default rule 'deny-ingress-from-all-namespaces': Deny" in out
    assert main(["netpol", "explain", "mymonitoring", "myfoo", demo]) == 0
    out = capsys.readouterr().out
    assert "NetworkPolicy foo/allow-monitoring ingress rule #1" in out and "Baseline" not in out


def test_matrix_each_to_file_labels_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n"
    pol = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n"
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "pod.yaml").write_text(pod, encoding="utf-8")
    (b / "all.yaml").write_text(f"{pod}---\n{pol}---\n{pol}", encoding="utf-8")
    out = tmp_path / "out.txt"
    assert main(["netpol", "matrix", "--each", str(a), str(b), "--format", "txt", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (
        f"==> {a} <==\n"
        "0.0.0.0-255.255.255.255[External] => default/p[Pod] : All Connections\n"
        "default/p[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
        f"\n==> {b} <==\n"
        "default/p[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
    )
    cap = capsys.readouterr()
    assert cap.out == ""
    assert f"seawall: warning: {b}: " in cap.err and "defined twice" in cap.err and f"{a}:" not in cap.err
