"""A hostile registry (a real HTTP server on 127.0.0.1): endless pagination, Link headers to other
hosts, invalid JSON. Every case ends with one line naming the registry, never a hang or traceback."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from seawall.cli.main import main
from seawall.engine import scan
from seawall.errors import RegistryError
from seawall.policy.config import parse_config
from seawall.sources.image.registry import RegistryClient

Behaviour = Callable[[str], tuple[int, dict[str, str], bytes]]


def _json(body: object, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(behaviour: Behaviour) -> str:
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                status, headers, body = behaviour(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"127.0.0.1:{srv.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def test_pagination_that_never_advances(hostile: Callable[[Behaviour], str]) -> None:
    host = hostile(lambda p: _json({"repositories": []}, Link='</v2/_catalog?n=1&last=a>; rel="next"'))
    with RegistryClient(host, insecure=True) as c, pytest.raises(RegistryError) as exc:
        c.catalog()
    assert "pagination does not advance" in str(exc.value) and host in str(exc.value)


def test_pagination_loop_and_foreign_link(hostile: Callable[[Behaviour], str]) -> None:
    # a non-empty page pointing back at the first page: a loop
    host = hostile(lambda p: _json({"repositories": ["a"]}, Link='</v2/_catalog?n=1000>; rel="next"'))
    with RegistryClient(host, insecure=True) as c, pytest.raises(RegistryError) as exc:
        c.catalog()
    assert "pagination does not advance" in str(exc.value)
    # a next page on another host is never fetched
    other = hostile(lambda p: _json({"repositories": ["b"]}, Link='<http://192.0.2.1/v2/_catalog?last=b>; rel="next"'))
    with RegistryClient(other, insecure=True) as c, pytest.raises(RegistryError):
        c.catalog()


def test_registry_scan_and_freshness_on_garbage(
    hostile: Callable[[Behaviour], str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    host = hostile(lambda p: (200, {"Content-Type": "application/json"}, b"{not json"))
    code = main(["registry", "scan", host, "--insecure-registry", host, "-q"])
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and host in err
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        f"  - {{name: c, image: '{host}/a:1'}}\n"
    )
    cfg = parse_config({"freshness": {"enabled": True}, "registries": {"insecure": [host]}}, "cfg", tmp_path)
    report = scan([str(tmp_path / "pod.yaml")], cfg)
    [f] = [f for f in report.findings if f.rule_id.startswith("SW-FRESH")]
    assert f.rule_id == "SW-FRESH-006" and "JSON" in f.message and host in f.message
