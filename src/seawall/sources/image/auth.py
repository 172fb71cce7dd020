"""Registry credentials and the two HTTP authentication schemes registries use.

Where credentials come from (built by the CLI with :meth:`RegistryAuth.from_environment`; the
library itself never reads the environment):

1. explicit ``RegistryAuth({"host:port": Credentials(...)})``;
2. ``SEAWALL_REGISTRY_USERNAME`` / ``SEAWALL_REGISTRY_PASSWORD`` (or ``SEAWALL_REGISTRY_TOKEN``
   for a pre-issued bearer token), for every registry or only the comma-separated hosts in
   ``SEAWALL_REGISTRY_HOSTS``;
3. docker's ``config.json`` (``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``):
   ``auths.<host>.auth`` (base64 ``user:password``), ``username``/``password`` and
   ``identitytoken`` (used as an OAuth2 refresh token with the token endpoint).
   ``credsStore`` / ``credHelpers`` are **not executed**: running arbitrary
   ``docker-credential-*`` programs from a scanner is a risk we do not take; hosts configured
   that way are listed in :attr:`RegistryAuth.notes` so the CLI can say why a pull is anonymous.

Schemes: ``Basic`` (RFC 7617) and the distribution ``Bearer`` token flow — parse the
``WWW-Authenticate`` challenge, GET the ``realm`` with ``service`` and ``scope`` (basic
credentials if we have them), cache the token per scope, retry the request.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from seawall.errors import InputError

_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io")
_COMMA = re.compile(r"\s*,\s*")
#: a challenge is a few hundred bytes; a registry may send 100 header lines of 64 KiB each
_MAX_CHALLENGE = 64 * 1024
_CHALLENGE_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str = ""
    password: str = field(default="", repr=False)
    #: a bearer token to send as is (SEAWALL_REGISTRY_TOKEN)
    token: str = field(default="", repr=False)
    #: an OAuth2 refresh token (docker config ``identitytoken``)
    identity_token: str = field(default="", repr=False)

    def basic_header(self) -> str | None:
        if not self.username and not self.password:
            return None
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


def normalise_host(key: str) -> str:
    """``https://index.docker.io/v1/`` -> ``docker.io``; ``http://h:5000/x`` -> ``h:5000``."""
    k = key.strip()
    if "://" in k:
        k = k.split("://", 1)[1]
    k = k.split("/", 1)[0].lower()
    if k in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        return "docker.io"
    return k


@dataclass(slots=True)
class RegistryAuth:
    """Credentials per registry host, looked up by :meth:`lookup`."""

    hosts: dict[str, Credentials] = field(default_factory=dict)
    default: Credentials | None = None
    default_hosts: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)

    def lookup(self, host: str) -> Credentials | None:
        h = normalise_host(host)
        if self.default is not None and (not self.default_hosts or h in self.default_hosts):
            return self.default
        return self.hosts.get(h)

    @classmethod
    def anonymous(cls) -> RegistryAuth:
        return cls()

    @classmethod
    def from_docker_config(cls, path: Path) -> RegistryAuth:
        """Parse a docker ``config.json`` (missing file = no credentials; invalid = InputError)."""
        auth = cls()
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return auth
        except OSError as err:
            raise InputError(err.strerror or str(err), subject=str(path)) from None
        if len(raw) > 4 * 1024 * 1024:
            raise InputError("docker config is over 4 MiB", subject=str(path))
        try:
            data = json.loads(raw)
        except ValueError as err:
            raise InputError(f"invalid JSON ({str(err)[:80]})", subject=str(path)) from None
        if not isinstance(data, dict):
            raise InputError("not a JSON object", subject=str(path))
        auths = data.get("auths")
        if isinstance(auths, dict):
            for key, val in auths.items():
                if not isinstance(val, dict) or not isinstance(key, str):
                    continue
                creds = _creds_from_entry(val, f"{path} auths.{key}")
                if creds is not None:
                    auth.hosts[normalise_host(key)] = creds
        helpers = data.get("credHelpers")
        if isinstance(helpers, dict):
            for key, helper in helpers.items():
                if isinstance(key, str) and normalise_host(key) not in auth.hosts:
                    auth.notes.append(
                        f"{normalise_host(key)}: credential helper docker-credential-{helper} not executed "
                        "(set SEAWALL_REGISTRY_USERNAME/PASSWORD or an auths entry)"
                    )
        store = data.get("credsStore")
        if isinstance(store, str) and store:
            auth.notes.append(f"credsStore docker-credential-{store} not executed; only inline auths entries are used")
        return auth

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, home: Path | None = None) -> RegistryAuth:
        """Docker config plus ``SEAWALL_REGISTRY_*`` variables (see the module docstring)."""
        env = os.environ if environ is None else environ
        cfg_dir = env.get("DOCKER_CONFIG")
        if cfg_dir:
            cfg = Path(cfg_dir) / "config.json"
        else:
            cfg = (home if home is not None else Path.home()) / ".docker" / "config.json"
        auth = cls.from_docker_config(cfg)
        user = env.get("SEAWALL_REGISTRY_USERNAME", "")
        password = env.get("SEAWALL_REGISTRY_PASSWORD", "")
        token = env.get("SEAWALL_REGISTRY_TOKEN", "")
        if user or password or token:
            auth.default = Credentials(user, password, token=token)
            hosts = env.get("SEAWALL_REGISTRY_HOSTS", "")
            auth.default_hosts = frozenset(normalise_host(h) for h in hosts.split(",") if h.strip())
        return auth


def _creds_from_entry(val: dict[str, object], subject: str) -> Credentials | None:
    enc = val.get("auth")
    user = val.get("username")
    password = val.get("password")
    ident = val.get("identitytoken")
    if isinstance(enc, str) and enc:
        try:
            decoded = base64.b64decode(enc, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InputError("auth is not base64 'user:password'", subject=subject) from None
        if ":" not in decoded:
            raise InputError("auth does not decode to 'user:password'", subject=subject)
        u, p = decoded.split(":", 1)
        return Credentials(u, p, identity_token=ident if isinstance(ident, str) else "")
    if isinstance(user, str) or isinstance(password, str) or isinstance(ident, str):
        return Credentials(
            user if isinstance(user, str) else "",
            password if isinstance(password, str) else "",
            identity_token=ident if isinstance(ident, str) else "",
        )
    return None


@dataclass(frozen=True, slots=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge: scheme (lowercase) and its parameters."""

    scheme: str
    params: Mapping[str, str]

    @property
    def realm(self) -> str:
        return self.params.get("realm", "")


def parse_challenges(header: str) -> list[Challenge]:
    """Parse a ``WWW-Authenticate`` header (possibly several challenges) leniently."""
    out: list[Challenge] = []
    if not header:
        return out
    # split on scheme tokens: a word followed by a space and a param (or end)
    pos = 0
    text = header[:_MAX_CHALLENGE].strip()
    scheme_re = re.compile(r"\s*,?\s*([A-Za-z][\w-]*)(?:\s+|$)")
    while pos < len(text):
        m = scheme_re.match(text, pos)
        if not m:
            break
        scheme = m.group(1).lower()
        pos = m.end()
        params: dict[str, str] = {}
        while pos < len(text):
            pm = _CHALLENGE_PARAM.match(text, pos)
            if not pm:
                break
            value = pm.group(2) if pm.group(2) is not None else pm.group(3)
            params[pm.group(1).lower()] = re.sub(r"\\(.)", r"\1", value)
            pos = pm.end()
            # positions, not slices: slicing the rest of the header per parameter was quadratic
            # (a 6 MB challenge of 'a="x",' repeated took minutes)
            cm = _COMMA.match(text, pos)
            if cm is not None:
                if _CHALLENGE_PARAM.match(text, cm.end()):
                    pos = cm.end()
                    continue
                pos = cm.start() + len(cm.group(0)) - len(cm.group(0).lstrip())
            break
        out.append(Challenge(scheme, params))
    return out
