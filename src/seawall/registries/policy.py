"""The ``registries:`` section of ``.seawall.yaml``, shared by every feature that reaches a registry.

Why one section: the signature checks, the freshness checks, the trusted-registry rules and
``seawall registry scan`` must agree on which hosts are plain HTTP, which CA to trust and where
credentials come from; the signatures analyzer (:mod:`seawall.analyzers.signatures`) reads the
same keys::

    registries:
      allowed: ["registry.example.com/*", "ghcr.io/org/*"]  # globs over registry/repository
      insecure: ["localhost:5000"]        # hosts reached over plain HTTP (a finding: SW-SUP-102)
      ca_file: certs/registry-ca.pem      # extra CA bundle for registry TLS (relative to the config)
      docker_config: ~/.docker/config.json  # credentials (inline ``auths`` only); default anonymous

``allowed`` entries are globs over ``registry/repository`` (``docker.io/library/nginx``) or the
registry host, plain ``registry/path`` prefixes, or plain hosts (subdomains included) — the same
semantics as SW-K8S-023's ``allowed_registries`` (:func:`allowed_by`). Without ``allowed`` no
allow-list check runs. Library code never reads the environment: credentials come only from
the file named here (the CLI adds ``SEAWALL_REGISTRY_*`` / ``--username``).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seawall.errors import InputError, PolicyError
from seawall.policy.config import str_tuple
from seawall.sources.image.auth import RegistryAuth, normalise_host
from seawall.sources.image.reference import Reference

if TYPE_CHECKING:  # the client (http.client, ssl) loads when a registry is contacted
    from seawall.sources.image.registry import RegistryClient

KNOWN_KEYS = frozenset({"allowed", "insecure", "ca_file", "docker_config"})


def _strs(value: Any, where: str, subject: str) -> tuple[str, ...]:
    return str_tuple(value, f"registries.{where}", subject, expected="a string or a list of strings")


@dataclass(frozen=True, slots=True)
class RegistriesConfig:
    """The validated ``registries:`` section."""

    allowed: tuple[str, ...] = ()
    insecure: frozenset[str] = frozenset()
    ca_file: Path | None = None
    docker_config: Path | None = None
    credentials: Any = None  # Config.credentials: a callable returning the CLI's RegistryAuth

    def is_allowed(self, ref: Reference) -> bool:
        """True when there is no allow-list, or a glob covers the image's registry[/repository]."""
        if not self.allowed:
            return True
        return allowed_by(self.allowed, ref)

    def is_insecure(self, ref: Reference | str) -> bool:
        if isinstance(ref, str):
            return ref in self.insecure
        return ref.registry in self.insecure or ref.api_host in self.insecure

    def registry_auth(self) -> RegistryAuth:
        """Credentials from ``docker_config``, else those the CLI found (docker config and
        ``SEAWALL_REGISTRY_*``), else anonymous; read when a registry is actually contacted."""
        if self.docker_config is None:
            if callable(self.credentials):
                auth = self.credentials()
                if isinstance(auth, RegistryAuth):
                    return auth
            return RegistryAuth.anonymous()
        try:
            return RegistryAuth.from_docker_config(self.docker_config)
        except InputError as err:
            raise PolicyError(f"registries.docker_config: {err}", subject=str(self.docker_config)) from None

    def scanned_image_auth(self) -> RegistryAuth:
        """Credentials for the registries that scanned files name (the freshness and signature
        checks of ``seawall scan``): untrusted input, so the environment's catch-all credentials
        (``SEAWALL_REGISTRY_USERNAME``/``PASSWORD``/``TOKEN`` without ``SEAWALL_REGISTRY_HOSTS``) go
        only to the hosts of ``allowed`` entries (``reg.example.com``, ``reg.example.com/team/*``;
        not a host glob such as ``*.gcr.io``), and to no registry without an allow-list: a manifest naming
        ``evil.example.net/x`` must not collect them. Credentials bound to a host (docker config
        entries, ``SEAWALL_REGISTRY_HOSTS``) are used as given."""
        auth = self.registry_auth()
        if auth.default is None or auth.default_hosts:
            return auth
        plain = (entry.strip().split("/", 1)[0] for entry in self.allowed)
        hosts = frozenset(normalise_host(h) for h in plain if h and not any(ch in h for ch in "*?["))
        if hosts:
            return dataclasses.replace(auth, default_hosts=hosts)
        note = (
            "SEAWALL_REGISTRY_USERNAME/PASSWORD/TOKEN are not sent to the registries scanned files name: "
            "set SEAWALL_REGISTRY_HOSTS or registries.allowed to name the hosts that may receive them"
        )
        return dataclasses.replace(auth, default=None, notes=[*auth.notes, note])

    def client(self, ref: Reference, auth: RegistryAuth | None = None) -> RegistryClient:
        """A new client for ``ref``'s registry with this section's TLS, HTTP and credentials."""
        from seawall.sources.image.registry import RegistryClient

        return RegistryClient(
            ref.api_host, auth=auth or self.registry_auth(), insecure=self.is_insecure(ref), ca_file=self.ca_file
        )


def allowed_by(patterns: tuple[str, ...], ref: Reference) -> bool:
    """Does an allow-list entry cover ``ref``? The same semantics as SW-K8S-023's list:

    * a glob (``*?[``) over ``registry/repository`` or over the registry host;
    * a plain ``registry/path`` entry: that repository and everything under it;
    * a plain host: that registry and its subdomains (``amazonaws.com`` covers
      ``1234.dkr.ecr.eu-west-1.amazonaws.com``).
    """
    full = ref.name.lower()
    registry = ref.registry.lower()
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            if fnmatch.fnmatchcase(full, pattern) or fnmatch.fnmatchcase(registry, pattern):
                return True
            continue
        entry = pattern.strip().rstrip("/").lower()
        if not entry:
            continue
        if "/" in entry:
            if full == entry or full.startswith(entry + "/"):
                return True
        elif registry == entry or registry.endswith("." + entry):
            return True
    return False


def parse_registries_section(
    section: dict[str, Any], base_dir: Path, subject: str = ".seawall.yaml"
) -> RegistriesConfig:
    """Validate the section (PolicyError naming the config file when something is wrong)."""
    unknown = set(section) - KNOWN_KEYS
    if unknown:
        raise PolicyError(
            f"registries: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
            f"(allowed: {', '.join(sorted(KNOWN_KEYS))})",
            subject=subject,
        )
    allowed = _strs(section.get("allowed"), "allowed", subject)
    insecure = frozenset(h.strip().lower() for h in _strs(section.get("insecure"), "insecure", subject))
    ca = section.get("ca_file")
    if ca is not None and not isinstance(ca, str):
        raise PolicyError("registries.ca_file must be a path", subject=subject)
    ca_file = base_dir / Path(ca).expanduser() if ca else None
    if ca_file is not None and not ca_file.is_file():
        raise PolicyError(f"registries.ca_file {ca} not found", subject=subject)
    cfg = section.get("docker_config")
    if cfg is not None and not isinstance(cfg, str):
        raise PolicyError("registries.docker_config must be a path", subject=subject)
    docker_config = base_dir / Path(cfg).expanduser() if cfg else None
    return RegistriesConfig(allowed, insecure, ca_file, docker_config)


def registries_config(config: Any) -> RegistriesConfig:
    """The section of a :class:`~seawall.policy.config.Config`, validated."""
    parsed = parse_registries_section(config.section("registries"), config.base_dir, config.source or ".seawall.yaml")
    creds = getattr(config, "credentials", None)
    return dataclasses.replace(parsed, credentials=creds) if creds is not None else parsed


_CACHE: dict[int, tuple[Any, RegistriesConfig | None]] = {}


def cached_registries_config(config: Any) -> RegistriesConfig | None:
    """The parsed section for per-object rules, parsed once per config (None when invalid: the
    ``registries`` analyzer reports the problem once instead of every rule on every object)."""
    section = config.section("registries")
    key = id(config)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is section:
        return hit[1]
    try:
        parsed: RegistriesConfig | None = registries_config(config)
    except PolicyError:
        parsed = None
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = (section, parsed)
    return parsed
