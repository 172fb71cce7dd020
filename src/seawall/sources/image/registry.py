"""OCI distribution API v2 client: pull images, and the operations supply-chain checks need.

Reading: manifests by tag or digest (with the Accept headers for OCI manifests/indexes and
Docker v2 manifests/lists — an OCI manifest is a 404 without them), blobs (streamed; the
:class:`~seawall.sources.image.model.Image` verifies them), tags and ``_catalog`` with ``Link``
pagination, the referrers API with the ``sha256-<hex>`` tag fallback. Writing (for signing and
tests): monolithic blob upload (POST + PUT) and manifest PUT.

Auth: anonymous, ``Basic``, and the ``Bearer`` token flow, negotiated from the
``WWW-Authenticate`` challenge of a 401 and retried once; tokens cached per scope. TLS is
verified by default; ``insecure=True`` means plain HTTP (``--insecure-registry``). Credentials
never follow a redirect to another host or scheme (an ``https`` registry redirecting to ``http`` on
the same host and port gets no ``Authorization`` in clear text), are sent to a token realm only on the registry's own
site (same host or registrable domain), and a token realm must be HTTPS unless the registry
itself is plain HTTP. Every response body read whole is bounded.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from seawall.errors import RegistryError, SourceError
from seawall.sources.image.auth import Credentials, RegistryAuth, parse_challenges
from seawall.sources.image.blobs import check_digest, digest_bytes, is_digest, parse_json_object
from seawall.sources.image.model import (
    DEFAULT_LIMITS,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Image,
    Limits,
    Platform,
)
from seawall.sources.image.oci import build_image, manifest_media_type, select_manifest
from seawall.sources.image.reference import Reference
from seawall.sources.image.transport import HttpTransport, Response, Transport, printable

MANIFEST_ACCEPT = ", ".join(
    [
        OCI_MANIFEST,
        OCI_INDEX,
        DOCKER_MANIFEST,
        DOCKER_MANIFEST_LIST,
        "application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1",
    ]
)
_MAX_REDIRECTS = 5
_MAX_SMALL = 1024 * 1024
_RETRY_STATUS = frozenset({429, 502, 503, 504})
_MAX_RETRIES = 3
_MAX_RETRY_DELAY = 10.0
#: seconds one client may spend waiting on 429/5xx in total: a registry that rate-limits every
#: request otherwise costs 30 s per request (hours over a registry's tags)
_RETRY_BUDGET = 60.0
#: pages of ``_catalog`` / ``tags/list``: Docker Hub serves at most 100 tags a page, so 100,000
#: items fit; a server handing out one item a page must not keep a scan paging for hours
_MAX_PAGES = 1000
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def _retry_after(header: str, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (seconds form) capped, else 0.5 s, 1 s, 2 s."""
    if header.strip().isdigit():
        return min(float(header.strip()), _MAX_RETRY_DELAY)
    return min(0.5 * 2.0 ** (attempt - 1), _MAX_RETRY_DELAY)


#: ``[^<>]``, not ``[^>]``: a Link header of 60,000 ``<`` made the search quadratic (minutes of CPU)
_LINK_NEXT = re.compile(r"<([^<>]+)>\s*;\s*rel=\"?next\"?")


@dataclass(frozen=True, slots=True)
class ManifestResult:
    """A manifest as the registry served it: verified bytes, media type and digest."""

    data: bytes
    media_type: str
    digest: str

    def json(self) -> dict[str, Any]:
        return parse_json_object(self.data, f"manifest {self.digest[:19]}", self.digest)


class RegistryClient:
    """One registry host. Thread-safe enough for concurrent pulls over the pooled transport."""

    def __init__(
        self,
        host: str,
        *,
        auth: RegistryAuth | None = None,
        insecure: bool = False,
        ca_file: str | Path | None = None,
        transport: Transport | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.host = host
        self.insecure = insecure
        self.scheme = "http" if insecure else "https"
        self.base = f"{self.scheme}://{host}"
        self.limits = limits
        self.creds: Credentials | None = (auth or RegistryAuth()).lookup(host)
        self._transport: Transport = transport or HttpTransport(ca_file=ca_file)
        self._own_transport = transport is None
        self._basic = False
        self._bearer: dict[str, str] | None = None  # realm/service from the last Bearer challenge
        self._tokens: dict[str, str] = {}
        self._sleep: Callable[[float], None] = time.sleep
        self._retry_budget = _RETRY_BUDGET
        self._budget_lock = threading.Lock()
        if self.creds is not None and self.creds.token:
            self._tokens["*"] = self.creds.token

    # -- plumbing -----------------------------------------------------------------------------
    def close(self) -> None:
        if self._own_transport:
            self._transport.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _auth_header(self, scope: str) -> str | None:
        tok = self._tokens.get(scope) or self._tokens.get("*")
        if tok:
            return f"Bearer {tok}"
        if self._basic and self.creds is not None:
            return self.creds.basic_header()
        return None

    def request(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | IO[bytes] | None = None,
        ok: tuple[int, ...] = (200,),
        allow: tuple[int, ...] = (),
    ) -> Response:
        """Send a request with auth negotiation and redirects; statuses not in ok/allow raise."""
        url = path if "://" in path else self.base + path
        hdrs = dict(headers or {})
        retried_auth = False
        redirects = 0
        retries = 0
        while True:
            target = urlsplit(url)
            same_host = target.netloc == self.host and target.scheme == self.scheme
            send = dict(hdrs)
            if same_host:
                h = self._auth_header(scope)
                if h:
                    send["Authorization"] = h
            resp = self._transport.request(method, url, send, body)
            if resp.status in _RETRY_STATUS and method in ("GET", "HEAD") and retries < _MAX_RETRIES:
                # rate limits and transient gateway errors: back off (bounded) and retry, while
                # the client's total waiting budget lasts
                delay = _retry_after(resp.headers.get("retry-after", ""), retries + 1)
                with self._budget_lock:
                    wait = self._retry_budget >= delay
                    if wait:
                        self._retry_budget -= delay
                if wait:
                    retries += 1
                    resp.read_all(64 * 1024)
                    self._sleep(delay)
                    continue
            if resp.status == 401 and same_host and not retried_auth:
                challenge = resp.headers.get("www-authenticate", "")
                resp.read_all(64 * 1024)
                retried_auth = True
                if self._negotiate(challenge, scope):
                    if body is not None and not isinstance(body, bytes) and hasattr(body, "seek"):
                        body.seek(0)
                    continue
                raise RegistryError(
                    f"authentication required for {method} {urlsplit(url).path} "
                    "(no credentials for this registry; see SEAWALL_REGISTRY_USERNAME/PASSWORD or docker login)",
                    subject=self.host,
                )
            if resp.status in (301, 302, 303, 307, 308) and "location" in resp.headers:
                resp.read_all(64 * 1024)
                redirects += 1
                if redirects > _MAX_REDIRECTS:
                    raise RegistryError("too many redirects", subject=printable(url))
                try:
                    url = urljoin(url, resp.headers["location"])
                    _ = urlsplit(url).port  # a malformed host or port is a ValueError
                except ValueError:
                    raise RegistryError(
                        f"invalid redirect Location {resp.headers['location'][:100]!r}", subject=self.host
                    ) from None
                if resp.status == 303:
                    method, body = "GET", None
                continue
            if resp.status in ok or resp.status in allow:
                return resp
            detail = _error_detail(resp)
            if resp.status == 401:
                raise RegistryError(f"unauthorized: credentials rejected{detail}", subject=self.host)
            if resp.status == 403:
                raise RegistryError(f"access denied for {method} {urlsplit(url).path}{detail}", subject=self.host)
            raise RegistryError(f"{method} {urlsplit(url).path} returned HTTP {resp.status}{detail}", subject=self.host)

    def _negotiate(self, header: str, scope: str) -> bool:
        """Handle a 401 challenge; True if the request should be retried."""
        challenges = parse_challenges(header)
        bearer = next((c for c in challenges if c.scheme == "bearer" and c.realm), None)
        if bearer is not None:
            self._bearer = dict(bearer.params)
            self._tokens[scope] = self._fetch_token(bearer.params, scope)
            return True
        if any(c.scheme == "basic" for c in challenges) and self.creds is not None:
            # retry even if another thread already switched to basic after this request was sent
            # (each request retries at most once, so wrong credentials still fail fast)
            self._basic = True
            return True
        return False

    def _fetch_token(self, params: Mapping[str, str], scope: str) -> str:
        realm = params.get("realm", "")
        parts = urlsplit(realm)
        if parts.scheme != "https" and not (parts.scheme == "http" and self.insecure):
            raise RegistryError(f"token realm {realm[:100]!r} is not HTTPS (refused)", subject=self.host)
        query: list[tuple[str, str]] = []
        if params.get("service"):
            query.append(("service", params["service"]))
        scopes = [s for s in {scope, params.get("scope", "")} if s and s != "*"]
        query.extend(("scope", s) for s in sorted(scopes))
        hdrs: dict[str, str] = {"Accept": "application/json"}
        same_site = _same_site(parts.hostname or "", urlsplit(self.base).hostname or "")
        if self.creds is not None and self.creds.identity_token and same_site:
            # docker's identitytoken: an OAuth2 refresh token exchanged at the realm (POST form)
            form = [("grant_type", "refresh_token"), ("client_id", "seawall")]
            form += [("refresh_token", self.creds.identity_token)]
            form += [(k, v) for k, v in query if k == "service"]
            if scopes:
                form.append(("scope", " ".join(sorted(scopes))))
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            resp = self._transport.request("POST", realm, hdrs, urlencode(form).encode())
        else:
            url = realm + ("&" if "?" in realm else "?") + urlencode(query)
            if self.creds is not None and _same_site(parts.hostname or "", urlsplit(self.base).hostname or ""):
                basic = self.creds.basic_header()
                if basic:
                    hdrs["Authorization"] = basic
            resp = self._transport.request("GET", url, hdrs, None)
        if resp.status != 200:
            detail = _error_detail(resp)
            raise RegistryError(
                f"token request to {parts.netloc} failed with HTTP {resp.status}{detail}", subject=self.host
            )
        data = parse_json_object(resp.read_all(_MAX_SMALL), "token response", self.host)
        tok = data.get("token") or data.get("access_token")
        if not isinstance(tok, str) or not tok:
            raise RegistryError("token response has no token", subject=self.host)
        if not tok.isascii() or not tok.isprintable() or " " in tok:
            # it becomes a header line: CR/LF would be header injection (http.client refuses it
            # with a ValueError, which was an 'internal error')
            raise RegistryError("token response has a token that is not printable ASCII", subject=self.host)
        return tok

    # -- reading ------------------------------------------------------------------------------
    def ping(self) -> None:
        """GET /v2/ (authenticating if the registry requires it for the API root)."""
        self.request("GET", "/v2/", scope="").read_all(_MAX_SMALL)

    def get_manifest(self, repo: str, ref: str, *, accept: str = MANIFEST_ACCEPT) -> ManifestResult:
        """A manifest or index by tag or digest; its digest is verified (never trusted blindly)."""
        resp = self.request(
            "GET", f"/v2/{_repo(repo)}/manifests/{_ref(ref)}", scope=_pull(repo), headers={"Accept": accept}
        )
        data = resp.read_all(self.limits.max_manifest_bytes)
        return self._verify_manifest(repo, ref, data, resp.headers)

    def _verify_manifest(self, repo: str, ref: str, data: bytes, headers: Mapping[str, str]) -> ManifestResult:
        ctype = headers.get("content-type", "").split(";")[0].strip()
        subject = f"{self.host}/{repo}@{ref}" if is_digest(ref) else f"{self.host}/{repo}:{ref}"
        if is_digest(ref):
            algo = ref.split(":", 1)[0]
            got = digest_bytes(data, algo)
            if got != ref:
                raise SourceError(f"manifest digest mismatch: asked for {ref}, content is {got}", subject=subject)
            digest = ref
        else:
            digest = digest_bytes(data)
            header = headers.get("docker-content-digest", "")
            if header and header.startswith("sha256:") and header != digest:
                raise SourceError(
                    f"manifest digest mismatch: registry says {header}, content is {digest}", subject=subject
                )
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            raise SourceError("manifest is not valid JSON", subject=subject) from None
        mt = manifest_media_type(doc if isinstance(doc, dict) else {}, ctype)
        return ManifestResult(data, mt, digest)

    def head_manifest(self, repo: str, ref: str) -> Descriptor | None:
        """Digest, media type and size of a tag or digest without the body; None if absent."""
        resp = self.request(
            "HEAD",
            f"/v2/{_repo(repo)}/manifests/{_ref(ref)}",
            scope=_pull(repo),
            headers={"Accept": MANIFEST_ACCEPT},
            allow=(404,),
        )
        resp.close()
        if resp.status == 404:
            return None
        digest = resp.headers.get("docker-content-digest", "")
        if not is_digest(digest):  # registries may omit it on HEAD: fall back to GET
            m = self.get_manifest(repo, ref)
            return Descriptor(m.media_type, m.digest, len(m.data))
        size = resp.headers.get("content-length", "")
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        return Descriptor(ctype, digest, int(size) if size.isdigit() else -1)

    def open_blob(self, repo: str, desc: Descriptor) -> IO[bytes]:
        """The raw blob stream (the caller verifies; :class:`Image` always does)."""
        check_digest(desc.digest, self.host)
        return self.request("GET", f"/v2/{_repo(repo)}/blobs/{desc.digest}", scope=_pull(repo))  # type: ignore[return-value]

    def blob_exists(self, repo: str, digest: str) -> bool:
        check_digest(digest, self.host)
        resp = self.request("HEAD", f"/v2/{_repo(repo)}/blobs/{digest}", scope=_pull(repo), allow=(404,))
        resp.close()
        return resp.status == 200

    def _paged(self, path: str, key: str, scope: str, page_size: int, max_items: int) -> Iterator[str]:
        url: str | None = f"{path}?n={page_size}"
        count = 0
        pages = 0
        seen: set[str] = set()
        while url:
            pages += 1
            if pages > _MAX_PAGES:
                raise RegistryError(f"{key} has more than {_MAX_PAGES} pages (limit)", subject=self.host)
            resp = self.request("GET", url, scope=scope)
            link = resp.headers.get("link", "")
            data = parse_json_object(resp.read_all(self.limits.max_manifest_bytes), key, self.host)
            items = data.get(key)
            if items is not None and not isinstance(items, list):
                # null is what a registry says for a repository without tags; anything else is broken
                raise RegistryError(f"{key} is a {type(items).__name__}, not a list", subject=self.host)
            before = count
            for it in items or []:
                if isinstance(it, str):
                    count += 1
                    if count > max_items:
                        raise RegistryError(f"more than {max_items} {key} (limit)", subject=self.host)
                    yield it
            m = _LINK_NEXT.search(link)
            if not m:
                break
            # a hostile or broken server must not keep us paging forever, or send us elsewhere
            seen.add(urljoin(self.base + path, url))
            try:
                url = urljoin(self.base + path, m.group(1))
                _ = urlsplit(url).port
            except ValueError:
                raise RegistryError(f"invalid {key} pagination Link {m.group(1)[:100]!r}", subject=self.host) from None
            if count == before or url in seen or urlsplit(url).netloc != self.host:
                raise RegistryError(f"{key} pagination does not advance (Link {m.group(1)[:100]!r})", subject=self.host)

    def list_tags(self, repo: str, *, page_size: int = 1000, max_tags: int = 100_000) -> list[str]:
        return list(self._paged(f"/v2/{_repo(repo)}/tags/list", "tags", _pull(repo), page_size, max_tags))

    def catalog(self, *, page_size: int = 1000, max_repos: int = 100_000) -> list[str]:
        return list(self._paged("/v2/_catalog", "repositories", "registry:catalog:*", page_size, max_repos))

    def referrers(self, repo: str, digest: str, *, artifact_type: str = "") -> list[Descriptor]:
        """Artifacts whose ``subject`` is ``digest``: the referrers API, else the tag fallback.

        With no referrers API (404/405, or a non-index answer) the ``sha256-<hex>`` tag schema of
        OCI 1.1 is read; a missing fallback tag means no referrers.
        """
        check_digest(digest, self.host)
        path = f"/v2/{_repo(repo)}/referrers/{digest}"
        if artifact_type:
            path += "?" + urlencode({"artifactType": artifact_type})
        resp = self.request("GET", path, scope=_pull(repo), headers={"Accept": OCI_INDEX}, allow=(404, 405, 400))
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        if resp.status == 200 and ctype == OCI_INDEX:
            doc = parse_json_object(resp.read_all(self.limits.max_manifest_bytes), "referrers index", self.host)
            filtered = "artifacttype" in resp.headers.get("oci-filters-applied", "").lower()
        else:
            resp.read_all(self.limits.max_manifest_bytes)
            tag = digest.replace(":", "-")
            if self.head_manifest(repo, tag) is None:
                return []
            doc = self.get_manifest(repo, tag).json()
            filtered = False
        items = doc.get("manifests")
        descs = [Descriptor.from_json(d, self.host) for d in items] if isinstance(items, list) else []
        if artifact_type and not filtered:
            descs = [d for d in descs if d.artifact_type == artifact_type]
        return descs

    # -- writing ------------------------------------------------------------------------------
    def upload_blob(self, repo: str, data: bytes | Path, digest: str = "") -> Descriptor:
        """Monolithic upload (POST then PUT with the digest); skipped if the blob exists."""
        if isinstance(data, Path):
            h = hashlib.sha256()
            size = 0
            with data.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
            digest = digest or f"sha256:{h.hexdigest()}"
        else:
            size = len(data)
            digest = digest or digest_bytes(data)
        desc = Descriptor("application/octet-stream", digest, size)
        if self.blob_exists(repo, digest):
            return desc
        scope = _push(repo)
        resp = self.request("POST", f"/v2/{_repo(repo)}/blobs/uploads/", scope=scope, ok=(202,), body=b"")
        resp.read_all(_MAX_SMALL)
        loc = resp.headers.get("location", "")
        if not loc:
            raise RegistryError("upload session has no Location", subject=self.host)
        url = urljoin(self.base + "/", loc)
        url += ("&" if "?" in url else "?") + urlencode({"digest": digest})
        hdrs = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        if isinstance(data, Path):
            with data.open("rb") as fh:
                self.request("PUT", url, scope=scope, headers=hdrs, body=fh, ok=(201,)).read_all(_MAX_SMALL)
        else:
            self.request("PUT", url, scope=scope, headers=hdrs, body=data, ok=(201,)).read_all(_MAX_SMALL)
        return desc

    def put_manifest(self, repo: str, ref: str, data: bytes, media_type: str) -> str:
        """PUT a manifest or index under a tag or digest; returns its digest."""
        resp = self.request(
            "PUT",
            f"/v2/{_repo(repo)}/manifests/{_ref(ref)}",
            scope=_push(repo),
            headers={"Content-Type": media_type, "Content-Length": str(len(data))},
            body=data,
            ok=(201, 200),
        )
        resp.read_all(_MAX_SMALL)
        digest = digest_bytes(data)
        header = resp.headers.get("docker-content-digest", "")
        if header and header != digest:
            raise RegistryError(f"registry stored digest {header}, expected {digest}", subject=self.host)
        return digest


def _same_site(realm_host: str, registry_host: str) -> bool:
    """Whether a token realm may receive the registry's credentials.

    Same host, or the same registrable domain (``auth.docker.io`` for ``registry-1.docker.io``,
    ``gitlab.com`` for ``registry.gitlab.com``); IP addresses must match exactly. A registry
    naming a realm elsewhere gets an anonymous token request, never our credentials.
    """
    a, b = realm_host.lower().rstrip("."), registry_host.lower().rstrip(".")
    if a == b:
        return True
    if not a or not b or a.replace(".", "").isdigit() or ":" in a or b.replace(".", "").isdigit() or ":" in b:
        return False
    return a.split(".")[-2:] == b.split(".")[-2:] and len(a.split(".")) >= 2


def _repo(repo: str) -> str:
    if (
        not repo
        or ".." in repo.split("/")
        or any(c in repo for c in "?#% \t\n")
        or not repo.isascii()
        or not repo.isprintable()
    ):
        raise RegistryError(f"invalid repository name {repo[:100]!a}", subject="registry")
    return repo


def _ref(ref: str) -> str:
    """A tag (the distribution grammar) or a digest; anything else — ``..``, ``a/b``, control
    characters, a lone surrogate from a registry's tag list — is refused before it is a URL."""
    if not _TAG_RE.match(ref) and not is_digest(ref):
        raise RegistryError(f"invalid tag or digest {ref[:100]!a}", subject="registry")
    return quote(ref, safe=":@")


def _pull(repo: str) -> str:
    return f"repository:{repo}:pull"


def _push(repo: str) -> str:
    return f"repository:{repo}:pull,push"


def _error_detail(resp: Response) -> str:
    try:
        body = resp.read(8192)
    except SourceError:
        return ""
    finally:
        resp.close()
    try:
        doc = json.loads(body)
        errs = doc.get("errors") if isinstance(doc, dict) else None
        if isinstance(errs, list) and errs and isinstance(errs[0], dict):
            code = printable(str(errs[0].get("code", "")), 60)
            msg = printable(str(errs[0].get("message", "")), 160)
            return f": {code} {msg}".rstrip()
    except (ValueError, RecursionError):
        pass
    return ""


class RegistryBlobs:
    """Blob source for an image in a registry."""

    def __init__(self, client: RegistryClient, repo: str, *, owns_client: bool = True) -> None:
        self.client = client
        self.repo = repo
        self._owns = owns_client

    def open_blob(self, desc: Descriptor) -> IO[bytes]:
        return self.client.open_blob(self.repo, desc)

    def close(self) -> None:
        if self._owns:
            self.client.close()


def open_registry_image(
    client: RegistryClient,
    reference: Reference,
    *,
    platform: Platform | None = None,
    limits: Limits = DEFAULT_LIMITS,
    owns_client: bool = True,
) -> Image:
    """Resolve ``reference`` (tag or digest, index or manifest) to one image and open it."""
    subject = str(reference)
    repo = reference.repository
    try:
        top = client.get_manifest(repo, reference.ref)
        root = top.json()

        fetched: dict[str, bytes] = {top.digest: top.data}

        def fetch(d: Descriptor) -> bytes:
            # an index may name the same child many times: ask the registry once per digest
            if d.digest not in fetched:
                if len(fetched) > limits.max_layers:
                    raise SourceError(f"index names more than {limits.max_layers} manifests", subject=subject)
                fetched[d.digest] = client.get_manifest(repo, d.digest).data
            return fetched[d.digest]

        root_desc = Descriptor(top.media_type, top.digest, len(top.data))
        sel = select_manifest(
            root,
            top.media_type,
            fetch,
            subject=subject,
            platform=platform,
            limits=limits,
            root_descriptor=root_desc,
            root_raw=top.data,
        )
        img = build_image(
            sel,
            reference=subject,
            blobs=RegistryBlobs(client, repo, owns_client=owns_client),
            source="registry",
            subject=subject,
            limits=limits,
            platform=platform,
        )
        if top.digest != sel.descriptor.digest:
            img.index_digest = top.digest
        return img
    except BaseException:
        if owns_client:
            client.close()
        raise
