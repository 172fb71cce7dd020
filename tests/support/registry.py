"""A real OCI registry for tests: Debian's ``docker-registry`` on 127.0.0.1, a free port.

Three flavours, all started and stopped by the tests:

* :func:`start_registry` with ``auth="htpasswd"``: TLS with a self-signed CA generated here
  (``cryptography``), htpasswd users hashed with bcrypt by ``htpasswd -B`` (apache2-utils);
* ``auth="token"``: TLS and the distribution *token* auth — the registry trusts a signing
  certificate generated here, and :class:`TokenServer` (``http.server`` over TLS) issues ES256
  JWTs with an ``x5c`` header after checking basic credentials, so clients run the real
  ``WWW-Authenticate: Bearer`` flow;
* ``auth=None, tls=False``: plain HTTP and anonymous (``--insecure-registry``).

Storage lives in a temporary directory that is removed on stop.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import ipaddress
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

USERNAME = "seawall"
PASSWORD = "s3cret-pass"  # test-only credentials for the throwaway registry
REFRESH_TOKEN = "test-refresh-token-1"  # test-only identitytoken accepted by TokenServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- certificates ------------------------------------------------------------------------------
@dataclass
class CA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str = "seawall test CA") -> CA:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return CA(key, cert)


def make_server_cert(ca: CA, dest: Path) -> tuple[Path, Path]:
    """A 127.0.0.1/localhost server certificate signed by ``ca``; returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    cp, kp = dest / "server.crt", dest / "server.key"
    cp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kp.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cp, kp


# ---- token server -------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """Issues registry bearer tokens (ES256 JWT, x5c header) to clients with valid basic auth.

    Anonymous requests get pull access to ``public/*`` repositories only (as Docker Hub grants
    anonymous pulls) and no access elsewhere (the registry then answers 401), so tests see the
    difference between "no credentials" and "wrong credentials" (HTTP 401 here).
    """

    def __init__(
        self, workdir: Path, ca: CA, service: str, issuer: str, users: dict[str, str], realm_host: str = "127.0.0.1"
    ) -> None:
        self.service = service
        self.issuer = issuer
        self.users = users
        self.requests: list[dict[str, Any]] = []
        #: OAuth2 refresh tokens (docker config ``identitytoken``) accepted for a user
        self.refresh_tokens: dict[str, str] = {REFRESH_TOKEN: next(iter(users))}
        # the signing certificate is self-signed and is the registry's rootcertbundle
        self.sign_ca = make_ca("seawall test token signer")
        self.bundle = workdir / "token-signer.pem"
        self.bundle.write_bytes(self.sign_ca.pem())
        cert, key = make_server_cert(ca, workdir)
        self.port = free_port()
        self.realm = f"https://{realm_host}:{self.port}/token"
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parsed.query)
                user = ""
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    try:
                        u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
                    except ValueError:
                        u, p = "", ""
                    if server.users.get(u) != p:
                        self._send(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
                        return
                    user = u
                scopes = query.get("scope", [])
                server.requests.append({"user": user, "scopes": scopes, "service": query.get("service", [""])[0]})
                access = []
                for s in scopes:
                    typ, _, rest = s.partition(":")
                    name, _, actions = rest.rpartition(":")
                    if user:
                        access.append({"type": typ, "name": name, "actions": actions.split(",")})
                    elif typ == "repository" and name.startswith("public/") and "pull" in actions.split(","):
                        access.append({"type": typ, "name": name, "actions": ["pull"]})  # like Docker Hub
                tok = server.issue(user, access)
                self._send(200, {"token": tok, "access_token": tok, "expires_in": 300})

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(min(n, 65536)).decode())
                refresh = form.get("refresh_token", [""])[0]
                user = server.refresh_tokens.get(refresh, "")
                if form.get("grant_type", [""])[0] != "refresh_token" or not user:
                    self._send(401, {"error": "invalid_grant"})
                    return
                scopes = " ".join(form.get("scope", [])).split()
                server.requests.append({"user": user, "scopes": scopes, "service": form.get("service", [""])[0]})
                access = []
                for s in scopes:
                    typ, _, rest = s.partition(":")
                    name, _, actions = rest.rpartition(":")
                    access.append({"type": typ, "name": name, "actions": actions.split(",")})
                self._send(200, {"access_token": server.issue(user, access), "expires_in": 300})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def issue(self, user: str, access: list[dict[str, Any]]) -> str:
        now = int(time.time())
        header = {
            "alg": "ES256",
            "typ": "JWT",
            "x5c": [base64.b64encode(self.sign_ca.cert.public_bytes(serialization.Encoding.DER)).decode()],
        }
        claims = {
            "iss": self.issuer,
            "sub": user,
            "aud": self.service,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        der = self.sign_ca.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input}.{_b64(sig)}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the registry --------------------------------------------------------------------------------
@dataclass
class RunningRegistry:
    host: str  # 127.0.0.1:PORT
    tls: bool
    auth: str | None
    workdir: Path
    ca_file: Path | None = None
    #: directory with ca.crt, for skopeo --dest-cert-dir / --src-cert-dir
    cert_dir: Path | None = None
    username: str = ""
    password: str = ""
    token_server: TokenServer | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def skopeo_dest_args(self) -> list[str]:
        args = []
        if self.tls:
            args += ["--dest-cert-dir", str(self.cert_dir)]
        else:
            args += ["--dest-tls-verify=false"]
        if self.username:
            args += ["--dest-creds", f"{self.username}:{self.password}"]
        return args

    def skopeo_src_args(self) -> list[str]:
        return [a.replace("--dest-", "--src-") for a in self.skopeo_dest_args()]

    def push(self, src: str, repo_tag: str, *extra: str) -> None:
        """``skopeo copy SRC docker://HOST/REPO:TAG`` with this registry's TLS and credentials."""
        from support.images import skopeo_copy

        skopeo_copy(src, f"docker://{self.host}/{repo_tag}", *self.skopeo_dest_args(), *extra)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.token_server is not None:
            self.token_server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _htpasswd(path: Path, users: dict[str, str]) -> None:
    lines = []
    for u, p in users.items():
        res = subprocess.run(["htpasswd", "-Bbn", u, p], capture_output=True, text=True, check=True)
        lines.append(res.stdout.strip())
    path.write_text("\n".join(lines) + "\n")


def start_registry(
    *, auth: str | None = "htpasswd", tls: bool = True, timeout: float = 30.0, realm_host: str = "127.0.0.1"
) -> RunningRegistry:
    """Start ``docker-registry serve`` and wait until ``/v2/`` answers.

    ``realm_host`` names the token server's host in the challenge (``localhost`` makes the realm
    another site than the registry at 127.0.0.1, to test that credentials are not sent there).
    """
    if shutil.which("docker-registry") is None:
        raise RuntimeError("docker-registry is not installed (apt-get install docker-registry)")
    work = Path(tempfile.mkdtemp(prefix="seawall-registry-"))
    port = free_port()
    host = f"127.0.0.1:{port}"
    reg = RunningRegistry(host, tls, auth, work)
    cfg: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(work / "data")}, "delete": {"enabled": True}},
        "http": {"addr": host, "secret": secrets.token_hex(16)},
    }
    ca: CA | None = None
    if tls:
        ca = make_ca()
        certs = work / "certs"
        certs.mkdir()
        (certs / "ca.crt").write_bytes(ca.pem())
        cert, key = make_server_cert(ca, work)
        cfg["http"]["tls"] = {"certificate": str(cert), "key": str(key)}
        reg.ca_file, reg.cert_dir = certs / "ca.crt", certs
    users = {USERNAME: PASSWORD}
    if auth == "htpasswd":
        _htpasswd(work / "htpasswd", users)
        cfg["auth"] = {"htpasswd": {"realm": "seawall-test", "path": str(work / "htpasswd")}}
        reg.username, reg.password = USERNAME, PASSWORD
    elif auth == "token":
        if ca is None:
            raise ValueError("token auth needs TLS")
        ts = TokenServer(work, ca, "seawall-test-registry", "seawall-test-issuer", users, realm_host)
        cfg["auth"] = {
            "token": {
                "realm": ts.realm,
                "service": ts.service,
                "issuer": ts.issuer,
                "rootcertbundle": str(ts.bundle),
            }
        }
        reg.token_server = ts
        reg.username, reg.password = USERNAME, PASSWORD
    (work / "config.yml").write_text(json.dumps(cfg))  # JSON is YAML
    log = (work / "registry.log").open("wb")
    reg.proc = subprocess.Popen(
        ["docker-registry", "serve", str(work / "config.yml")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OTEL_TRACES_EXPORTER": "none"},
    )
    ctx = ssl.create_default_context(cafile=str(reg.ca_file)) if tls else None
    deadline = time.monotonic() + timeout
    while True:
        if reg.proc.poll() is not None:
            out = (work / "registry.log").read_text(errors="replace")[-2000:]
            reg.stop()
            raise RuntimeError(f"docker-registry exited: {out}")
        try:
            import http.client

            conn: http.client.HTTPConnection = (
                http.client.HTTPSConnection(host, timeout=2, context=ctx)
                if tls
                else http.client.HTTPConnection(host, timeout=2)
            )
            conn.request("GET", "/v2/")
            status = conn.getresponse().status
            conn.close()
            if status in (200, 401):
                return reg
        except OSError:
            pass
        if time.monotonic() > deadline:
            reg.stop()
            raise RuntimeError("docker-registry did not become ready")
        time.sleep(0.1)
