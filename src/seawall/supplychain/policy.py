"""Who must have signed an image, and what its provenance must say — as small composable classes.

Requirements (like sigstore-python's ``AllOf``/``AnyOf``) are checked against the signatures that
already verified cryptographically (:class:`VerifiedSignature`); each returns '' when met or a
one-line reason::

    AnyOf([KeyRequirement(pub, "cosign.pub"), IdentityRequirement(IdentityMatcher(...))])

The ``.seawall.yaml`` section::

    signatures:
      trusted_root: sigstore/trusted_root.json   # CAs + Rekor keys for keyless / log checks
      policies:
        - match: ["registry.example.com/team/*"] # registry/repository globs; first match wins
          keys: [keys/cosign.pub]                # PEM public keys (paths relative to the config)
          identities:
            - identity: https://github.com/org/app/.github/workflows/release.yml@refs/heads/main
              issuer: https://token.actions.githubusercontent.com
            - identity_regexp: "^https://github\\.com/org/"
              issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$"
          require: any                           # any (default): one listed signer suffices; all
          provenance:
            required: true
            builder_id: ["https://github.com/slsa-framework/slsa-github-generator/*"]
            source_repo: ["github.com/org/*"]

Images matched by no policy are not checked (and their registries never contacted).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509

from seawall.errors import InputError, PolicyError
from seawall.policy.config import check_glob, str_tuple
from seawall.supplychain.intoto import Provenance
from seawall.supplychain.keyless import CertIdentity, IdentityMatcher, TrustRoot, load_trust_root
from seawall.supplychain.keys import PublicKey, key_id, load_public_key


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature whose cryptography verified, with who made it and where it was found."""

    where: str  # "classic signature", "bundle (referrer)", "attestation (classic)" ...
    key_id: str
    key_label: str = ""  # the policy's name for the key (a path), for messages
    certificate: x509.Certificate | None = None
    identity: CertIdentity | None = None
    signed_at: dt.datetime | None = None
    logged: bool = False  # a verified transparency-log entry exists

    def describe(self) -> str:
        if self.identity is not None:
            who = ", ".join(self.identity.identities) or "(no identity)"
            return f"{who} (issuer {self.identity.issuer or '?'}) [{self.where}]"
        return f"key {self.key_label or self.key_id[:12]} [{self.where}]"


class Requirement(Protocol):
    def check(self, sigs: Sequence[VerifiedSignature]) -> str: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class KeyRequirement:
    key: PublicKey
    label: str = ""

    @property
    def key_id(self) -> str:
        return key_id(self.key)

    def describe(self) -> str:
        return f"key {self.label or self.key_id[:12]}"

    def check(self, sigs: Sequence[VerifiedSignature]) -> str:
        kid = self.key_id
        if any(s.certificate is None and s.key_id == kid for s in sigs):
            return ""
        return f"no valid signature by {self.describe()}"


@dataclass(frozen=True, slots=True)
class IdentityRequirement:
    matcher: IdentityMatcher

    def describe(self) -> str:
        return f"identity {self.matcher.describe()}"

    def check(self, sigs: Sequence[VerifiedSignature]) -> str:
        keyless = [s for s in sigs if s.identity is not None]
        reasons = []
        for s in keyless:
            assert s.identity is not None
            why = self.matcher.mismatch(s.identity)
            if not why:
                return ""
            reasons.append(why)
        if reasons:
            return reasons[0]
        return f"no valid keyless signature by {self.describe()}"


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Requirement, ...]

    def describe(self) -> str:
        return " or ".join(c.describe() for c in self.children)

    def check(self, sigs: Sequence[VerifiedSignature]) -> str:
        reasons = []
        for c in self.children:
            why = c.check(sigs)
            if not why:
                return ""
            reasons.append(why)
        return reasons[0] if len(reasons) == 1 else f"no valid signature by {self.describe()} ({reasons[0]})"


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Requirement, ...]

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.children)

    def check(self, sigs: Sequence[VerifiedSignature]) -> str:
        for c in self.children:
            why = c.check(sigs)
            if why:
                return why
        return ""


@dataclass(frozen=True, slots=True)
class ProvenancePolicy:
    """SLSA provenance must exist, be signed by an accepted signer, and name allowed builders/sources."""

    builder_ids: tuple[str, ...] = ()  # exact ids or globs
    source_repos: tuple[str, ...] = ()  # normalised repository globs (github.com/org/*)

    def mismatch(self, prov: Provenance) -> str:
        if self.builder_ids and not any(
            prov.builder_id == b or fnmatch.fnmatchcase(prov.builder_id, b) for b in self.builder_ids
        ):
            allowed = ", ".join(self.builder_ids)
            return f"provenance builder {prov.builder_id[:200] or '(none)'!r} is not an allowed builder ({allowed})"
        if self.source_repos and not any(
            fnmatch.fnmatchcase(src, pat.lower()) for src in prov.sources for pat in self.source_repos
        ):
            found = ", ".join(prov.sources) or "(none)"
            return f"provenance source {found} is not an allowed repository ({', '.join(self.source_repos)})"
        return ""


@dataclass(frozen=True, slots=True)
class ImagePolicy:
    """Everything :func:`seawall.supplychain.verify.verify_image` needs to judge one image."""

    signers: Requirement | None
    keys: tuple[KeyRequirement, ...] = ()  # keys to try for key-based signatures
    trust_root: TrustRoot = field(default_factory=TrustRoot)
    provenance: ProvenancePolicy | None = None
    match: tuple[str, ...] = ("*",)

    def matches(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, g) for g in self.match)

    def describe(self) -> str:
        return self.signers.describe() if self.signers is not None else "(no signature required)"


def build_policy(
    *,
    keys: Sequence[tuple[PublicKey, str]] = (),
    identities: Sequence[IdentityMatcher] = (),
    require: str = "any",
    trust_root: TrustRoot | None = None,
    provenance: ProvenancePolicy | None = None,
    match: Sequence[str] = ("*",),
) -> ImagePolicy:
    key_reqs = tuple(KeyRequirement(k, label) for k, label in keys)
    children: list[Requirement] = [*key_reqs, *(IdentityRequirement(m) for m in identities)]
    if require not in ("any", "all"):
        raise PolicyError(f"require must be 'any' or 'all', not {require[:80]!r}")
    signers: Requirement | None = None
    if children:
        signers = (
            children[0]
            if len(children) == 1
            else AnyOf(tuple(children))
            if require == "any"
            else AllOf(tuple(children))
        )
    return ImagePolicy(signers, key_reqs, trust_root or TrustRoot(), provenance, tuple(match))


# ---- .seawall.yaml -----------------------------------------------------------------------------
def _strs(v: Any, where: str) -> tuple[str, ...]:
    return str_tuple(v, f"signatures: {where}", expected="a string or a list of strings")


def _globs(v: Any, where: str) -> tuple[str, ...]:
    """Globs bounded in length: fnmatch translates '[a-[a-...' in quadratic time."""
    return tuple(check_glob(g, f"signatures: {where}") for g in _strs(v, where))


@dataclass(frozen=True, slots=True)
class SignaturesConfig:
    policies: tuple[ImagePolicy, ...]

    def policy_for(self, name: str) -> ImagePolicy | None:
        """The first policy whose ``match`` globs cover ``registry/repository``."""
        return next((p for p in self.policies if p.matches(name)), None)


def parse_signatures_section(
    section: dict[str, Any], base_dir: Path, subject: str = ".seawall.yaml"
) -> SignaturesConfig:
    """Validate the ``signatures:`` section and load its keys and trust root (PolicyError if bad)."""
    try:
        root = TrustRoot()
        tr = section.get("trusted_root")
        if tr is not None:
            if not isinstance(tr, str):
                raise PolicyError("signatures: trusted_root must be a path")
            root = load_trust_root(base_dir / tr)
        raw = section.get("policies")
        if not isinstance(raw, list) or not raw:
            raise PolicyError("signatures: 'policies' must be a non-empty list")
        out = []
        for i, p in enumerate(raw):
            where = f"policies[{i}]"
            if not isinstance(p, dict):
                raise PolicyError(f"signatures: {where} must be a mapping")
            unknown = set(p) - {"match", "keys", "identities", "require", "provenance"}
            if unknown:
                raise PolicyError(f"signatures: {where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
            match = _globs(p.get("match"), f"{where}.match") or ("*",)
            keys = []
            for kp in _strs(p.get("keys"), f"{where}.keys"):
                path = base_dir / kp
                try:  # bounded (a key is under 64 KiB): /dev/zero here was read without end
                    with path.open("rb") as fh:
                        data = fh.read(1 << 20)
                except OSError as err:
                    raise PolicyError(f"signatures: {where}: cannot read key {kp} ({err.strerror})") from None
                keys.append((load_public_key(data, subject=str(path)), kp))
            idents = []
            rid = p.get("identities")
            for j, ident in enumerate(rid if isinstance(rid, list) else [] if rid is None else [None]):
                if not isinstance(ident, dict):
                    raise PolicyError(f"signatures: {where}.identities[{j}] must be a mapping")
                idents.append(
                    IdentityMatcher(
                        str(ident.get("identity") or ""),
                        str(ident.get("identity_regexp") or ""),
                        str(ident.get("issuer") or ""),
                        str(ident.get("issuer_regexp") or ""),
                    )
                )
            prov = None
            pv = p.get("provenance")
            if pv is not None:
                if not isinstance(pv, dict):
                    raise PolicyError(f"signatures: {where}.provenance must be a mapping")
                if pv.get("required", True):
                    prov = ProvenancePolicy(
                        _globs(pv.get("builder_id"), f"{where}.provenance.builder_id"),
                        _globs(pv.get("source_repo"), f"{where}.provenance.source_repo"),
                    )
            if not keys and not idents:
                raise PolicyError(f"signatures: {where} names no keys and no identities")
            if idents and not root.authorities:
                raise PolicyError(f"signatures: {where} uses identities but no trusted_root is configured")
            out.append(
                build_policy(
                    keys=keys,
                    identities=idents,
                    require=str(p.get("require") or "any"),
                    trust_root=root,
                    provenance=prov,
                    match=match,
                )
            )
        return SignaturesConfig(tuple(out))
    except InputError as err:
        raise PolicyError(str(err), subject=subject) from None
