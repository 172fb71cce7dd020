"""``seawall sign``, ``attest``, ``verify`` and ``generate-key-pair``: cosign-compatible signing.

Users without cosign can produce what seawall (and cosign) verify, with cosign's key files:

    seawall generate-key-pair                       # cosign.key (encrypted) + cosign.pub
    seawall sign REG/REPO:TAG --key cosign.key      # classic .sig; --bundle for cosign 3 layout
    seawall attest REG/REPO:TAG --key cosign.key --predicate prov.json --type slsaprovenance1
    seawall verify REG/REPO:TAG --key cosign.pub [--require-provenance --builder-id ID ...]

The private-key password comes from ``$COSIGN_PASSWORD`` (or ``--password-env VAR``), else a
prompt when stdin is a terminal. ``verify`` exits 0 only when a valid signature meets the policy,
1 otherwise (the reason on one line on stderr), 2 on usage or input errors. Key-based
verification needs no transparency log.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from seawall.cli.image import add_image_source_options, auth_from_args
from seawall.errors import InputError, SeawallError, SourceError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


# ---- shared plumbing -------------------------------------------------------------------------------
def _password(args: argparse.Namespace, *, confirm: bool = False) -> bytes:
    var = args.password_env
    if var in os.environ:
        return os.environ[var].encode()
    if not sys.stdin.isatty():
        raise InputError(f"no private-key password: set ${var} (or pass --password-env VAR)")
    pw = getpass.getpass("Enter password for private key: ")
    if confirm and getpass.getpass("Enter again: ") != pw:
        raise InputError("passwords do not match")
    return pw.encode()


def _read(path: Path, what: str) -> bytes:
    limit = 16 * 1024 * 1024
    try:  # read bounded, not only stat-checked: /dev/zero and pipes report size 0
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise InputError(err.strerror or str(err), subject=str(path)) from None
    if len(data) > limit:
        raise InputError(f"{what} is over 16 MiB", subject=str(path))
    return data


def make_client(args: argparse.Namespace, host: str, registry: str) -> Any:
    """A RegistryClient for ``host`` with the image-source options (insecure, CA, credentials)."""
    from seawall.sources.image.registry import RegistryClient

    auth = auth_from_args(args)
    insecure = set(args.insecure_registry)
    return RegistryClient(host, auth=auth, insecure=host in insecure or registry in insecure, ca_file=args.ca_file)


def _ref(text: str) -> Any:
    from seawall.sources.image.reference import parse_reference

    return parse_reference(text)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", metavar="REF", help="image reference (REGISTRY/REPO:TAG or @sha256:...)")
    add_image_source_options(p)


def _key_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", type=Path, required=True, metavar="cosign.key", help="cosign private key file")
    p.add_argument(
        "--password-env",
        default="COSIGN_PASSWORD",
        metavar="VAR",
        help="environment variable holding the key password (default COSIGN_PASSWORD)",
    )
    p.add_argument("--bundle", action="store_true", help="attach a Sigstore bundle as an OCI referrer (cosign 3)")


def register(sub: Any) -> None:
    g = sub.add_parser("generate-key-pair", help="write cosign.key (encrypted) and cosign.pub")
    g.add_argument("--output-key-prefix", default="cosign", metavar="PREFIX", help="file name prefix (default cosign)")
    g.add_argument("--password-env", default="COSIGN_PASSWORD", metavar="VAR", help="password variable")
    g.add_argument("--force", action="store_true", help="overwrite existing key files")
    g.set_defaults(func=run_generate)

    s = sub.add_parser("sign", help="sign an image in a registry (cosign-compatible)")
    _common(s)
    _key_opts(s)
    s.set_defaults(func=run_sign)

    a = sub.add_parser("attest", help="attach a signed in-toto attestation (e.g. SLSA provenance) to an image")
    _common(a)
    _key_opts(a)
    a.add_argument("--predicate", type=Path, required=True, metavar="FILE", help="predicate JSON file")
    a.add_argument(
        "--type",
        default="custom",
        metavar="TYPE",
        help="slsaprovenance (v0.2), slsaprovenance1, spdxjson, cyclonedx, vuln, custom, or a predicate type URI",
    )
    a.set_defaults(func=run_attest)

    v = sub.add_parser(
        "verify",
        help="verify an image's signatures (and provenance) against keys or keyless identities",
        description="Exit 0 only when a valid signature meets the policy; 1 otherwise (reason on stderr); "
        "2 on usage or input errors.",
    )
    _common(v)
    v.add_argument("--key", type=Path, action="append", default=[], metavar="PUB", help="public key (repeatable)")
    v.add_argument("--certificate-identity", action="append", default=[], metavar="ID")
    v.add_argument("--certificate-identity-regexp", action="append", default=[], metavar="RE")
    v.add_argument("--certificate-oidc-issuer", default="", metavar="URL")
    v.add_argument("--certificate-oidc-issuer-regexp", default="", metavar="RE")
    v.add_argument("--trusted-root", type=Path, metavar="JSON", help="Sigstore trusted_root.json (CAs, Rekor keys)")
    v.add_argument("--require", choices=("any", "all"), default="any", help="any listed signer (default) or all")
    v.add_argument("--require-provenance", action="store_true", help="require a verified SLSA provenance attestation")
    v.add_argument("--builder-id", action="append", default=[], metavar="ID", help="allowed builder id (glob)")
    v.add_argument("--source-repo", action="append", default=[], metavar="REPO", help="allowed source (github.com/o/*)")
    v.add_argument("--json", action="store_true", help="print the verification result as JSON on stdout")
    v.set_defaults(func=run_verify)


def _write_new(path: Path, data: bytes, mode: int, overwrite: bool) -> None:
    """Write a key file without following a symbolic link (O_NOFOLLOW: a link raced in after the
    check fails) and, unless ``overwrite``, only if it does not exist yet (O_EXCL)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    if not overwrite:
        flags |= os.O_EXCL
    try:
        fd = os.open(path, flags, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as err:
        raise InputError(f"cannot write the key: {err.strerror or err}", subject=str(path)) from None


# ---- commands ----------------------------------------------------------------------------------
def run_generate(args: argparse.Namespace) -> int:
    from seawall.supplychain.keys import generate_key_pair

    priv, pub = Path(f"{args.output_key_prefix}.key"), Path(f"{args.output_key_prefix}.pub")
    for p in (priv, pub):
        if p.is_symlink():
            # followed, a link planted at cosign.key sends the private key (or, with --force, the
            # truncation) wherever it points: a dangling one passed the exists() check below
            raise InputError("is a symbolic link; refusing to write a key through it", subject=str(p))
        if p.exists() and not args.force:
            raise InputError("file exists (use --force to overwrite)", subject=str(p))
    kp = generate_key_pair(_password(args, confirm=True))
    _write_new(priv, kp.private_pem, 0o600, args.force)
    _write_new(pub, kp.public_pem, 0o644, args.force)
    print(f"Private key written to {priv}\nPublic key written to {pub}", file=sys.stderr)
    return EXIT_OK


def _load_key(args: argparse.Namespace) -> Any:
    from seawall.supplychain.keys import load_private_key

    return load_private_key(_read(args.key, "key file"), _password(args), subject=str(args.key))


def run_sign(args: argparse.Namespace) -> int:
    from seawall.supplychain import attach

    ref = _ref(args.ref)
    key = _load_key(args)
    with make_client(args, ref.api_host, ref.registry) as client:
        if args.bundle:
            digest = attach.sign_bundle(client, ref, key)
            where = "Sigstore bundle referrer"
        else:
            digest = attach.sign_classic(client, ref, key)
            where = f"{ref.name}:{digest.replace(':', '-')}.sig"
    print(f"signed {ref.name}@{digest} ({where})")
    return EXIT_OK


def run_attest(args: argparse.Namespace) -> int:
    from seawall.supplychain import attach
    from seawall.supplychain.intoto import PREDICATE_ALIASES

    ptype = PREDICATE_ALIASES.get(args.type, args.type)
    if "://" not in ptype:
        raise InputError(f"unknown predicate type {args.type!r} (a short name or a URI)")
    try:
        predicate = json.loads(_read(args.predicate, "predicate"))
    except (ValueError, RecursionError):  # RecursionError: nested 100k deep
        raise InputError("predicate is not JSON", subject=str(args.predicate)) from None
    if not isinstance(predicate, dict):
        raise InputError("predicate must be a JSON object", subject=str(args.predicate))
    ref = _ref(args.ref)
    key = _load_key(args)
    with make_client(args, ref.api_host, ref.registry) as client:
        if args.bundle:
            digest = attach.attest_bundle(client, ref, key, ptype, predicate)
        else:
            digest = attach.attest_classic(client, ref, key, ptype, predicate)
    print(f"attested {ref.name}@{digest} ({ptype})")
    return EXIT_OK


def policy_from_args(args: argparse.Namespace) -> Any:
    from seawall.policy.config import glob_tuple
    from seawall.supplychain.keyless import IdentityMatcher, TrustRoot, load_trust_root
    from seawall.supplychain.keys import load_public_key
    from seawall.supplychain.policy import ProvenancePolicy, build_policy

    keys = [(load_public_key(_read(k, "public key"), subject=str(k)), str(k)) for k in args.key]
    identities = [
        IdentityMatcher(i, "", args.certificate_oidc_issuer, args.certificate_oidc_issuer_regexp)
        for i in args.certificate_identity
    ] + [
        IdentityMatcher("", rx, args.certificate_oidc_issuer, args.certificate_oidc_issuer_regexp)
        for rx in args.certificate_identity_regexp
    ]
    if not keys and not identities:
        raise InputError("give --key PUB or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp]")
    root = load_trust_root(args.trusted_root) if args.trusted_root else TrustRoot()
    if identities and not root.authorities:
        raise InputError("keyless verification needs --trusted-root (a Sigstore trusted_root.json)")
    prov = None
    if args.require_provenance or args.builder_id or args.source_repo:
        prov = ProvenancePolicy(
            glob_tuple(args.builder_id, "--builder-id"), glob_tuple(args.source_repo, "--source-repo")
        )
    return build_policy(keys=keys, identities=identities, require=args.require, trust_root=root, provenance=prov)


def run_verify(args: argparse.Namespace) -> int:
    from seawall.supplychain.verify import verify_image

    ref = _ref(args.ref)
    policy = policy_from_args(args)
    try:
        with make_client(args, ref.api_host, ref.registry) as client:
            result = verify_image(ref, policy, client)
    except (SourceError, SeawallError) as err:
        if isinstance(err, InputError):
            raise
        print(f"seawall: verification failed: {err}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        doc = {
            "reference": result.reference,
            "digest": result.digest,
            "verified": result.ok,
            "checked": result.checked,
            "reason": result.reason,
            "signatures": [s.describe() for s in result.signatures],
            "attestations": [
                {
                    "predicateType": a.statement.predicate_type,
                    "signer": a.signature.describe(),
                    "builder": a.provenance.builder_id if a.provenance else "",
                    "sources": list(a.provenance.sources) if a.provenance else [],
                }
                for a in result.attestations
            ],
            "problems": result.problems,
            "notes": result.notes,
        }
        print(json.dumps(doc, indent=2))
    if result.ok:
        print(f"seawall: {result.reason}", file=sys.stderr)
        return EXIT_OK
    print(f"seawall: verification failed: {result.reason}", file=sys.stderr)
    return EXIT_FAIL
