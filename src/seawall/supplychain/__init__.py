"""Supply chain: cosign-compatible signing, attestation and verification of images in registries.

Public entry points::

    from seawall.supplychain.verify import verify_image, VerificationResult
    from seawall.supplychain.policy import build_policy, parse_signatures_section, ImagePolicy
    from seawall.supplychain.keys import generate_key_pair, load_private_key, load_public_key
    from seawall.supplychain.attach import sign_classic, sign_bundle, attest_classic, attest_bundle

Modules: ``keys`` (cosign key files), ``simplesigning`` (classic ``.sig`` payloads), ``dsse``,
``intoto`` (statements, SLSA provenance), ``bundle`` (Sigstore bundles, log entries),
``keyless`` (certificates, identities, trust roots), ``policy``, ``verify``, ``attach``.
"""
