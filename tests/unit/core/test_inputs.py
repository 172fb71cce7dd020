"""Input discovery and hostile files: every problem is one line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seawall.engine import scan
from seawall.policy.config import Config

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n  - {name: c, image: x}\n"


def write(tmp: Path, name: str, data: str | bytes) -> Path:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data)
    return p


def test_lists_json_and_nonk8s(tmp_path: Path) -> None:
    write(
        tmp_path,
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- " + POD.replace("\n", "\n  ").rstrip() + "\n- {a: 1}\n",
    )
    write(
        tmp_path,
        "pods.json",
        '{"apiVersion": "v1", "kind": "PodList", "items": '
        '[{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {}}]}',
    )
    write(tmp_path, "values.yaml", "replicaCount: 1\nimage: {repository: x}\n")
    report = scan([str(tmp_path)], Config())
    assert report.stats["objects"] == 2
    assert not report.errors
    reasons = " ".join(r for _, r in report.skipped)
    assert "not a Kubernetes object" in reasons


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("bad.yaml", "a: [1, 2\n", "invalid YAML"),
        ("bin.yaml", b"\x00\x01\x02binary", "binary file"),
        ("utf.yaml", b"a: \xff\xfe\n", "invalid UTF-8"),
        (
            "nulls.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: null\nspec:\n  securityContext: null\n"
            "  containers: [null, 3, {name: c, securityContext: null}]\n",
            None,
        ),
        ("types.yaml", "apiVersion: v1\nkind: Deployment\nmetadata: [1]\nspec: {template: 7}\n", None),
    ],
)
def test_hostile_files_never_crash(tmp_path: Path, name: str, data: str | bytes, needle: str | None) -> None:
    write(tmp_path, name, data)
    write(tmp_path, "ok.yaml", POD)
    report = scan([str(tmp_path)], Config())
    assert report.stats["objects"] >= 1  # the good file next to the bad one is still scanned
    if needle:
        assert len(report.errors) == 1
        err = str(report.errors[0])
        assert needle in err and name in err and "\n" not in err
    else:
        assert not report.errors, report.errors


def test_oversized_file_is_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:  # 100 MB sparse file: size is checked before any read
        fh.truncate(100 * 1024 * 1024)
    report = scan([str(big)], Config())
    assert len(report.errors) == 1 and "limit" in str(report.errors[0]) and "big.yaml" in str(report.errors[0])


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    from seawall.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        scan([str(tmp_path / "nope")], Config())


def test_a_named_pipe_is_read_once_as_a_manifest(tmp_path: Path) -> None:
    """``seawall scan <(helm template chart)``: the shell passes a pipe (/dev/fd/N), whose name has
    no .yaml suffix. It is read once, as stdin is, and parsed as a manifest; the scan used to find
    nothing in it and exit 0."""
    import os
    import threading

    pipe = tmp_path / "63"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("w", encoding="utf-8") as fh:
            fh.write("---\n# Source: chart/templates/pod.yaml\n" + POD)

    result: list[Any] = []
    writer = threading.Thread(target=feed, daemon=True)
    reader = threading.Thread(target=lambda: result.append(scan([str(pipe)], Config())), daemon=True)
    writer.start()
    reader.start()
    reader.join(timeout=60)  # a second open of the pipe would block for ever: fail, do not hang
    assert not reader.is_alive() and result, "the scan blocked on the pipe"
    report = result[0]
    assert report.stats["objects"] == 1 and not report.errors
    assert report.findings and {f.location.path for f in report.findings} == {str(pipe)}
    assert any(f.location.source == "chart/templates/pod.yaml" for f in report.findings)


def test_a_named_device_is_read_bounded(tmp_path: Path) -> None:
    """``seawall scan /dev/zero``: read as a stream up to the size limit, then one error line."""
    report = scan(["/dev/zero"], Config(max_file_bytes=1 << 20))
    assert report.stats["objects"] == 0
    assert [str(e) for e in report.errors] == ["/dev/zero: input is over the 1 MiB limit"]


def test_a_huge_size_limit_reserves_no_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--max-file-size 35000000000000``: a file, a pipe and stdin are read as they are, the
    limit is not reserved up front (that was 'internal error: MemoryError')."""
    import io
    import sys

    write(tmp_path, "pod.yaml", POD)
    cfg = Config(max_file_bytes=1 << 45)
    report = scan([str(tmp_path / "pod.yaml")], cfg)
    assert report.stats["objects"] == 1 and not report.errors
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(POD.encode())))
    report = scan(["-"], cfg)
    assert report.stats["objects"] == 1 and not report.errors


def test_symlink_out_of_tree_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside, "secret.yaml", POD)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.yaml").symlink_to(outside / "secret.yaml")
    (tree / "dirlink").symlink_to(outside)
    report = scan([str(tree)], Config())
    assert report.stats["objects"] == 0


def test_symlink_loops_fifos_and_devices_do_not_stop_the_scan(tmp_path: Path) -> None:
    """A symlink loop, a dangling link, a FIFO and a link to a device are not files to read: they
    are passed over like a dangling link (a FIFO would block the read, /dev/zero never end), and
    the manifest beside them is still scanned."""
    import os

    write(tmp_path, "pod.yaml", POD)
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    (tmp_path / "self.yaml").symlink_to(tmp_path / "self.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "fifo-link.yaml").symlink_to(tmp_path / "fifo.yaml")
    report = scan([str(tmp_path)], Config())
    assert report.stats["objects"] == 1 and not report.errors


def test_unrendered_helm_chart_templates_are_skipped_not_errors(tmp_path: Path) -> None:
    chart = tmp_path / "mychart"
    write(chart, "Chart.yaml", "apiVersion: v2\nname: mychart\nversion: 0.1.0\n")
    write(chart, "values.yaml", "replicaCount: 1\n")
    write(
        chart,
        "templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    write(tmp_path, "templates/plain.yaml", POD)  # a 'templates' dir without Chart.yaml is scanned
    report = scan([str(tmp_path)], Config())
    assert not report.errors
    assert report.stats["objects"] == 1
    assert any("Helm chart" in reason for _, reason in report.skipped)
