"""A hostile registry (a real HTTP server on 127.0.0.1): endless pagination, Link headers to other
hosts, invalid JSON. Every case ends with one line naming the registry, never a hang or traceback."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seawall.cli.main import main
from seawall.engine import scan
from seawall.errors import RegistryError, SourceError
from seawall.policy.config import parse_config
from seawall.sources.image.auth import Credentials, RegistryAuth
from seawall.sources.image.reference import parse_reference
from seawall.sources.image.registry import RegistryClient, open_registry_image
from seawall.sources.image.transport import HttpTransport
from support.registry import make_ca, make_server_cert

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


# ---- session 3: a registry that misbehaves below JSON level ---------------------------------------
Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def raw() -> Iterator[Callable[..., str]]:
    """A server whose handler function writes whatever it likes (slow, broken, redirecting).

    ``tls_ctx`` makes it answer TLS *and* plain HTTP on the same port (it peeks at the first
    byte), so an https registry can redirect to http on its own host and port."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(fn: Handler, tls_ctx: ssl.SSLContext | None = None) -> str:
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                try:
                    fn(self)
                except OSError:
                    pass

            do_HEAD = do_GET

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> tuple[socket.socket, Any]:
                sock, addr = self.socket.accept()
                if tls_ctx is not None and sock.recv(1, socket.MSG_PEEK) == b"\x16":
                    sock = tls_ctx.wrap_socket(sock, server_side=True)
                return sock, addr

        srv = S(("127.0.0.1", 0), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"127.0.0.1:{srv.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _send(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    h.send_response(status)
    for k, v in {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}.items():
        h.send_header(k.replace("_", "-"), v)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def test_json_nested_deeper_than_the_recursion_limit(
    raw: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    # a manifest, and the JSON error body of a 404, nested 100,000 levels: 'internal error: RecursionError'
    deep = b'{"schemaVersion": 2, "layers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        if "/manifests/gone" in h.path:
            _send(h, 404, b'{"errors": ' + b"[" * 8000)
        else:
            _send(h, 200, deep, Content_Type="application/vnd.oci.image.manifest.v1+json")

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c:
        with pytest.raises(SourceError, match="manifest is not valid JSON"):
            c.get_manifest("app", "1")
        with pytest.raises(RegistryError, match="HTTP 404"):
            c.get_manifest("app", "gone")
    for ref in (f"{host}/app:1", f"{host}/app:gone"):
        code = main(["image", ref, "--insecure-registry", host, "-q"])
        err = capsys.readouterr().err
        assert code == 3 and err.count("\n") == 1 and "internal error" not in err and host in err


def test_malformed_redirect_and_link(raw: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/v2/_catalog"):
            _send(h, 200, b'{"repositories": ["a"]}', Link='<http://[::1/v2/_catalog?last=a>; rel="next"')
        else:
            _send(h, 302, b"", Location="http://[::1")

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c:
        with pytest.raises(RegistryError, match="invalid redirect Location"):
            c.get_manifest("app", "1")
        with pytest.raises(RegistryError, match="invalid repositories pagination Link"):
            c.catalog()
    code = main(["image", f"{host}/app:1", "--insecure-registry", host, "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "internal error" not in err and "invalid redirect Location" in err


def test_slow_loris_body_and_headers_are_cut_at_the_deadline(raw: Callable[..., str]) -> None:
    # one byte at a time, faster than the socket timeout: without a wall-clock deadline the
    # read lasts as long as the server likes (here it gives up after 20 s with a short body)
    def body(h: http.server.BaseHTTPRequestHandler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.2)

    def headers(h: http.server.BaseHTTPRequestHandler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):
            h.wfile.write(b"X")
            h.wfile.flush()
            time.sleep(0.2)

    for fn, why in ((body, "timed out while reading the response"), (headers, "timed out")):
        host = raw(fn)
        with RegistryClient(host, insecure=True, transport=HttpTransport(timeout=1.0)) as c:
            with pytest.raises(RegistryError, match=why) as exc:
                c.get_manifest("app", "1")
            assert host in str(exc.value)
            if fn is headers:
                # a host that did not answer in time is not asked again (no second wait per tag)
                with pytest.raises(RegistryError, match="not retried"):
                    c.get_manifest("app", "2")


def _empty_image() -> tuple[bytes, str, bytes]:
    """A valid image with no layers: its config, the config's digest and its OCI manifest."""
    config = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}'
    cdigest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest,
                       "size": len(config)},
            "layers": [],
        }
    ).encode()
    return config, cdigest, manifest


def test_registry_scan_skips_names_that_are_not_names(
    raw: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    # catalog and tag list entries with path parts, control characters, non-ASCII and a lone
    # surrogate: 'internal error: UnicodeEncodeError' before; now never requested, one error line
    # naming the repository, and the valid image is still scanned
    config, cdigest, manifest = _empty_image()
    mdigest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    asked: list[str] = []

    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        asked.append(h.path)
        if h.path.startswith("/v2/_catalog"):
            _send(h, 200, json.dumps({"repositories": ["app", "ba\x1b]0;x\x07d", "r\u00e9po", "a/../b", "\udcff"]})
                  .encode())
        elif "/tags/list" in h.path:
            _send(h, 200, json.dumps({"tags": ["1", "../../_catalog", "..", "x\r\nEvil: 1", "\u00e9"]}).encode())
        elif "/manifests/" in h.path:
            _send(h, 200, manifest, Content_Type="application/vnd.oci.image.manifest.v1+json",
                  Docker_Content_Digest=mdigest)
        elif h.path.endswith(cdigest):
            _send(h, 200, config, Content_Type="application/octet-stream")
        else:
            _send(h, 404, b"{}")

    host = raw(fn)
    code = main(["registry", "scan", host, "--insecure-registry", host, "-q", "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 3 and "internal error" not in err
    lines = err.splitlines()
    assert len(lines) == 2 and "\x1b" not in err and "\r" not in err
    assert "4 repository name(s)" in lines[0] and "4 tag name(s)" in lines[1] and f"{host}/app" in lines[1]
    assert [d["tags"] for d in json.loads(out)["summary"]["stats"]["images_detail"]] == [["1"]]
    assert all(p.isascii() and ".." not in p for p in asked)


def test_listing_that_is_not_a_list(raw: Callable[..., str]) -> None:
    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/v2/_catalog"):
            _send(h, 200, b'{"repositories": {"a": 1}}')
        else:
            _send(h, 200, b'{"name": "app", "tags": null}')  # what distribution says for no tags

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c:
        with pytest.raises(RegistryError, match="repositories is a dict, not a list"):
            c.catalog()
        assert c.list_tags("app") == []


def test_index_naming_one_child_thousands_of_times(raw: Callable[..., str]) -> None:
    # two 2 MB indexes: A names B 10,000 times, B names one manifest 10,000 times; walking them
    # naively fetched B 10,000 times and built a 100-million-entry frontier (gigabytes)
    config, cdigest, manifest = _empty_image()

    def index(child: bytes, mt: str) -> bytes:
        entry = {"mediaType": mt, "digest": "sha256:" + hashlib.sha256(child).hexdigest(), "size": len(child),
                 "platform": {"architecture": "amd64", "os": "linux"}}
        return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": [entry] * 10_000}).encode()

    idx_b = index(manifest, "application/vnd.oci.image.manifest.v1+json")
    idx_a = index(idx_b, "application/vnd.oci.image.index.v1+json")
    docs = {hashlib.sha256(d).hexdigest(): d for d in (manifest, idx_a, idx_b)}
    asked: list[str] = []

    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        asked.append(h.path)
        key = h.path.rsplit(":", 1)[-1]
        if h.path.endswith("/manifests/fan"):
            _send(h, 200, idx_a, Content_Type="application/vnd.oci.image.index.v1+json")
        elif "/manifests/" in h.path and key in docs:
            doc = docs[key]
            mt = "manifest" if doc is manifest else "index"
            _send(h, 200, doc, Content_Type=f"application/vnd.oci.image.{mt}.v1+json")
        elif h.path.endswith(cdigest):
            _send(h, 200, config, Content_Type="application/octet-stream")
        else:
            _send(h, 404, b"{}")

    host = raw(fn)
    client = RegistryClient(host, insecure=True)
    with open_registry_image(client, parse_reference(f"{host}/app:fan")) as img:
        assert img.index_digest == "sha256:" + hashlib.sha256(idx_a).hexdigest()
    assert len([p for p in asked if "/manifests/" in p]) == 3


def test_https_registry_redirecting_to_http_gets_no_credentials(
    raw: Callable[..., str], tmp_path: Path
) -> None:
    # the same host and port, but plain HTTP: credentials (Basic or a token) must not go in clear
    ca = make_ca()
    cert, key = make_server_cert(ca, tmp_path)
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.pem())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    clear: list[str | None] = []

    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        if not isinstance(h.connection, ssl.SSLSocket):
            clear.append(h.headers.get("Authorization"))
            _send(h, 404, b"{}")
        elif h.headers.get("Authorization") is None:
            _send(h, 401, b"{}", WWW_Authenticate='Basic realm="r"')
        else:
            _send(h, 307, b"", Location=f"http://{h.headers['Host']}{h.path}")

    host = raw(fn, ctx)
    auth = RegistryAuth({host: Credentials("user", "pa55word")})
    with RegistryClient(host, auth=auth, ca_file=ca_file) as c, pytest.raises(RegistryError):
        c.get_manifest("app", "1")
    assert clear == [None]


def test_token_with_a_line_break_is_refused(raw: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    # the token becomes an Authorization header line: 'internal error: ValueError: Invalid header value'
    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/token"):
            _send(h, 200, json.dumps({"token": "a\r\nX-Evil: 1"}).encode())
        else:
            _send(h, 401, b"{}", WWW_Authenticate=f'Bearer realm="http://{h.headers["Host"]}/token",service="s"')

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c, pytest.raises(RegistryError, match="not printable ASCII"):
        c.get_manifest("app", "1")
    # a pre-issued token from the environment with a line break: one line, not a traceback
    auth = RegistryAuth(default=Credentials(token="t\nX-Evil: 1"))
    with RegistryClient(host, insecure=True, auth=auth) as c, pytest.raises(RegistryError, match="invalid req") as e:
        c.get_manifest("app", "1")
    assert "X-Evil" not in str(e.value)  # the header (a credential) is not quoted
    code = main(["image", f"{host}/app:1", "--insecure-registry", host, "-q"])
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and "internal error" not in err


def test_registry_text_in_errors_is_printable(raw: Callable[..., str]) -> None:
    # an error message and a redirect URL with escape sequences and a bidi override went into
    # str(RegistryError) as they came: the CLI's stderr escapes them, but the errors also land in
    # reports (table, SARIF, JUnit) and library callers' logs; now the library escapes them itself
    evil = "\x1b]0;pwned\x07\x1b[2J\u202e"

    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        if "/manifests/a" in h.path:
            _send(h, 404, json.dumps({"errors": [{"code": "NAME_UNKNOWN", "message": evil}]}).encode())
        else:
            location = ("gopher://x/" + evil).encode()
            h.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c:
        for tag in ("a", "b"):
            with pytest.raises(RegistryError) as exc:
                c.get_manifest("app", tag)
            assert "\\x1b]0;pwned\\x07" in str(exc.value) and str(exc.value).isprintable()


def test_header_bombs_are_parsed_in_linear_time(raw: Callable[..., str]) -> None:
    # 100 header lines of 60 KB each (what http.client accepts): a Link of '<' characters made the
    # next-page search quadratic, a challenge of repeated parameters sliced the header per
    # parameter; either kept the CPU busy for hours. Now both are read in one pass.
    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(401 if h.path.startswith("/v2/app") else 200)
        for _ in range(90):
            if h.path.startswith("/v2/app"):
                h.send_header("WWW-Authenticate", 'Basic realm="r",' + 'a="x",' * 10_000)
            else:
                h.send_header("Link", "<" * 60_000)
        h.send_header("Content-Length", "24")
        h.end_headers()
        h.wfile.write(b'{"repositories": ["a"]} ')

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c:
        assert c.catalog() == ["a"]
        with pytest.raises(RegistryError, match="authentication required"):
            c.get_manifest("app", "1")


def test_a_registry_that_always_rate_limits_has_a_waiting_budget(raw: Callable[..., str]) -> None:
    # 429 with Retry-After on every request: 3 retries of up to 10 s each, per request — a
    # registry scan of 40 tags waited 5 minutes; the client now stops waiting after its budget
    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        _send(h, 429, b"{}", Retry_After="3600")

    host = raw(fn)
    slept: list[float] = []
    with RegistryClient(host, insecure=True) as c:
        c._sleep = slept.append  # record the waits instead of sleeping them
        for i in range(20):
            with pytest.raises(RegistryError, match="HTTP 429"):
                c.get_manifest("app", f"v{i}")
    assert slept and sum(slept) <= 60


def test_a_body_after_head_does_not_poison_the_next_request(raw: Callable[..., str]) -> None:
    # a HEAD answered with a body: on the kept-alive connection the body is read as the next
    # status line; the next request failed with 'cannot reach the registry (<the whole body>)'
    body = b'{"schemaVersion": 2, "padding": "' + b"x" * 5000 + b'"}'
    digest = "sha256:" + hashlib.sha256(body).hexdigest()

    def fn(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Docker-Content-Digest", digest)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)  # also on HEAD

    host = raw(fn)
    with RegistryClient(host, insecure=True) as c:
        for tag in ("a", "b", "c"):
            desc = c.head_manifest("app", tag)
            assert desc is not None and desc.digest == digest
