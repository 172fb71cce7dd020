"""Workloads whose images violate the signature / provenance policy (``SW-SUP-001..003``).

Runs only when ``.seawall.yaml`` has a ``signatures:`` section (see
:mod:`seawall.supplychain.policy`). For each container image in the scanned manifests whose
``registry/repository`` a policy matches, the image is verified with
:func:`seawall.supplychain.verify.verify_image` — tags resolved to digests through the registry —
once per distinct reference per scan. Images no policy names are skipped, so the only registries
contacted are the ones the policy names.

Registry options come from the shared ``registries:`` section
(:mod:`seawall.registries.policy`: ``insecure`` hosts over plain HTTP, ``ca_file``,
``docker_config`` credentials). The analyzer never reads the environment: credentials come only
from the file named there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from seawall.engine import ScanRun, analyzer
from seawall.errors import InputError
from seawall.model.finding import Finding
from seawall.rules.registry import declare
from seawall.sources.image.reference import Reference, parse_reference

if TYPE_CHECKING:  # the registry client and the verifier (cryptography) load once a policy applies
    from seawall.registries.policy import RegistriesConfig
    from seawall.sources.image.auth import RegistryAuth
    from seawall.sources.image.registry import RegistryClient
    from seawall.supplychain.verify import VerificationResult

NOT_SIGNED = "SW-SUP-001"
NO_PROVENANCE = "SW-SUP-002"
NOT_CHECKED = "SW-SUP-003"

_REFS = {"risk": ["3.1.5", "3.2.3"], "countermeasure": ["4.1.5", "4.2.3"]}

declare(
    id=NOT_SIGNED,
    title="Image is not signed as the signature policy requires",
    severity="high",
    category="supply-chain",
    description=(
        "The image a workload runs has no valid signature from the keys or keyless identities that "
        "the `signatures` policy requires for its registry/repository. The tag is resolved to the "
        "digest it points to now, so a signed tag that was moved to an unsigned image fails, as do "
        "a wrong key, a tampered payload, a signature copied from another image, an expired "
        "certificate or a mismatched identity or OIDC issuer. The finding names the reason."
    ),
    remediation=(
        "Sign the exact digest you deploy with a key or identity the policy trusts, and deploy it by "
        "digest: `seawall sign registry.example.com/app@sha256:<digest> --key cosign.key` (or "
        "`cosign sign`), check with `seawall verify registry.example.com/app@sha256:<digest> --key "
        "cosign.pub`, then set `image: registry.example.com/app@sha256:<digest>` in the workload."
    ),
    tools={"kubescape": ["C-0236", "C-0237"]},
    tags=["signature", "cosign", "sigstore"],
    **_REFS,
)

declare(
    id=NO_PROVENANCE,
    title="Image provenance does not meet the policy",
    severity="high",
    category="supply-chain",
    description=(
        "The policy requires SLSA provenance for this image, but no provenance attestation signed by "
        "a trusted signer was found for the deployed digest, or its builder id or source repository "
        "is not one the policy allows. Without it there is no evidence of how and from which source "
        "the image was built."
    ),
    remediation=(
        "Build the image on the allowed builder and attach its SLSA provenance, e.g. with "
        "slsa-github-generator, or `seawall attest registry.example.com/app@sha256:<digest> --key "
        "cosign.key --predicate provenance.json --type slsaprovenance1`; check with `seawall verify "
        "... --key cosign.pub --require-provenance --builder-id <id> --source-repo github.com/org/*`."
    ),
    tags=["provenance", "slsa", "in-toto"],
    **_REFS,
)

declare(
    id=NOT_CHECKED,
    title="Image signature could not be checked",
    severity="medium",
    category="supply-chain",
    description=(
        "The signature policy applies to this image, but its registry could not be asked (network, "
        "TLS, authentication or a malformed answer). The image is not known to be signed: treat it as "
        "unverified until the check runs."
    ),
    remediation=(
        "Make the registry reachable from the scan: set `registries.ca_file` for a private CA, "
        "`registries.insecure: [host:port]` for a plain-HTTP registry, or `registries.docker_config` "
        "for credentials (`docker login registry.example.com`), then re-run `seawall scan`."
    ),
    tags=["signature", "coverage"],
    **_REFS,
)


class _Clients:
    """One RegistryClient per registry host for the whole scan, from the ``registries:`` section."""

    def __init__(self, cfg: RegistriesConfig) -> None:
        self.cfg = cfg
        self._auth: RegistryAuth | None = None
        self._clients: dict[str, RegistryClient] = {}

    def get(self, ref: Reference) -> RegistryClient:
        host = ref.api_host
        if host not in self._clients:
            if self._auth is None:
                self._auth = self.cfg.scanned_image_auth()  # read only when a registry is contacted
            self._clients[host] = self.cfg.client(ref, self._auth)
        return self._clients[host]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()


def _images(run: ScanRun) -> Iterator[tuple[Any, Any, Reference]]:
    for view in run.inventory.workloads:
        for c in view.iter_all():
            raw = c.image
            if not raw:
                continue
            try:
                ref = parse_reference(raw)
            except InputError:
                continue  # malformed references are other rules' findings
            yield view, c, ref


@analyzer("signatures")
def signatures(run: ScanRun) -> Iterable[Finding]:
    section = run.config.section("signatures")
    if not section:
        return []
    # imported here, not with the rules: they load cryptography, http.client and ssl, which a scan
    # without a signature policy (most scans) does not need
    from seawall.registries.policy import registries_config
    from seawall.supplychain.policy import parse_signatures_section
    from seawall.supplychain.verify import verify_image

    subject = run.config.source or ".seawall.yaml"
    policies = parse_signatures_section(section, run.config.base_dir, subject)
    clients = _Clients(registries_config(run.config))
    results: dict[str, VerificationResult] = {}
    findings: list[Finding] = []
    try:
        for view, c, ref in _images(run):
            policy = policies.policy_for(ref.name)
            if policy is None:
                continue
            key = str(ref)
            if key not in results:
                results[key] = verify_image(ref, policy, clients.get(ref))
            res = results[key]
            if res.ok:
                continue
            obj = view.owner
            ptr = c.ptr("image")
            if obj.pointer and ptr.startswith(obj.pointer):
                ptr = ptr[len(obj.pointer) :]
            at = f"{res.digest[:19]}…" if res.digest else "?"
            if not res.checked:
                rule, msg = (
                    NOT_CHECKED,
                    f"container {c.name!r}: signatures of {c.image} could not be checked: {res.reason}",
                )
            elif res.provenance_ok is False:
                rule, msg = NO_PROVENANCE, f"container {c.name!r}: image {c.image} ({at}): {res.reason}"
            else:
                rule, msg = (
                    NOT_SIGNED,
                    f"container {c.name!r}: image {c.image} ({at}) fails the signature policy: {res.reason}",
                )
            f = run.object_finding(rule, obj, msg, ptr, container=c.name, evidence=c.image)
            if f is not None:
                findings.append(f)
    finally:
        clients.close()
        for note in clients._auth.notes if clients._auth is not None else ():
            if note not in run.report.warnings:  # e.g. why environment credentials were not sent
                run.report.warnings.append(note)
    return findings
