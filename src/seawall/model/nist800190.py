"""NIST SP 800-190 catalogue: risks (section 3) and countermeasures (section 4).

Risk 3.a.b is answered by countermeasure 4.a.b. Every rule stores both ids; a meta test checks each
id against this catalogue. Titles are short paraphrases, not text from the publication.
"""

from __future__ import annotations

RISKS: dict[str, str] = {
    "3.1.1": "Image vulnerabilities",
    "3.1.2": "Image configuration defects",
    "3.1.3": "Embedded malware",
    "3.1.4": "Embedded clear text secrets",
    "3.1.5": "Use of untrusted images",
    "3.2.1": "Insecure connections to registries",
    "3.2.2": "Stale images in registries",
    "3.2.3": "Insufficient authentication and authorization restrictions",
    "3.3.1": "Unbounded administrative access",
    "3.3.2": "Unauthorized access",
    "3.3.3": "Poorly separated inter-container network traffic",
    "3.3.4": "Mixing of workload sensitivity levels",
    "3.3.5": "Orchestrator node trust",
    "3.4.1": "Vulnerabilities within the runtime software",
    "3.4.2": "Unbounded network access from containers",
    "3.4.3": "Insecure container runtime configurations",
    "3.4.4": "App vulnerabilities",
    "3.4.5": "Rogue containers",
    "3.5.1": "Large attack surface",
    "3.5.2": "Shared kernel",
    "3.5.3": "Host OS component vulnerabilities",
    "3.5.4": "Improper user access rights",
    "3.5.5": "Host OS file system tampering",
}

COUNTERMEASURES: dict[str, str] = {
    "4.1.1": "Image vulnerabilities: scan every layer, gate on policy",
    "4.1.2": "Image configuration defects: baselines, non-root, minimal trusted bases, no SSH",
    "4.1.3": "Embedded malware: monitor images with signatures and heuristics",
    "4.1.4": "Embedded clear text secrets: keep secrets out of images, inject at run time",
    "4.1.5": "Use of untrusted images: trusted images and registries, verified signatures",
    "4.2.1": "Registry connections over encrypted, trusted channels",
    "4.2.2": "Prune stale images; deploy by immutable names",
    "4.2.3": "Authenticated, scoped, audited registry access",
    "4.3.1": "Least-privilege orchestrator access",
    "4.3.2": "Tight control of cluster-wide administrative accounts",
    "4.3.3": "Separate network traffic by sensitivity",
    "4.3.4": "Isolate deployments onto hosts by sensitivity",
    "4.3.5": "Secure node trust and intra-cluster traffic",
    "4.4.1": "Maintained, patched container runtimes",
    "4.4.2": "Control container egress and network access",
    "4.4.3": "Automated compliance with runtime configuration baselines",
    "4.4.4": "Runtime defence; read-only root filesystems",
    "4.4.5": "Separate environments; only vetted containers may run",
    "4.5.1": "Minimal, hardened host OS",
    "4.5.2": "Group containers onto hosts by sensitivity",
    "4.5.3": "Keep host OS components updated; immutable hosts",
    "4.5.4": "Audit host logins and privilege use",
    "4.5.5": "Least filesystem permissions; no sensitive host mounts",
    "4.6": "Hardware root of trust",
}


def countermeasure_for(risk: str) -> str:
    """The countermeasure that answers a risk (3.a.b -> 4.a.b)."""
    if risk not in RISKS:
        raise KeyError(risk)
    return "4" + risk[1:]


def is_valid_risk(rid: str) -> bool:
    return rid in RISKS


def is_valid_countermeasure(cid: str) -> bool:
    return cid in COUNTERMEASURES
