"""Keyless certificate checks against a trust root we generate: chain, time, identity, issuer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from seawall.errors import InputError, VerificationError
from seawall.supplychain.keyless import (
    IdentityMatcher,
    identity_of,
    load_trust_root,
    parse_trust_root,
    verify_certificate,
)
from support.sigstore import Fulcio, PrivateSigstore

ISSUER = "https://token.actions.githubusercontent.com"
WORKFLOW = "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main"


@pytest.fixture(scope="module")
def sigstore(tmp_path_factory: pytest.TempPathFactory) -> tuple[PrivateSigstore, Path]:
    ps = PrivateSigstore()
    return ps, ps.trusted_root(tmp_path_factory.mktemp("root") / "trusted_root.json")


def test_trusted_root_file_round_trip(sigstore: tuple[PrivateSigstore, Path]) -> None:
    ps, path = sigstore
    root = load_trust_root(path)
    assert len(root.authorities) == 1 and len(root.authorities[0].chain) == 2
    assert list(root.log_keys) == [ps.rekor.log_id]


def test_chain_identity_and_issuer(sigstore: tuple[PrivateSigstore, Path]) -> None:
    ps, path = sigstore
    root = load_trust_root(path)
    _, cert = ps.fulcio.issue(WORKFLOW, ISSUER)
    now = dt.datetime.now(dt.UTC)
    verify_certificate(cert, [], root, now)
    ident = identity_of(cert)
    assert ident.identities == (WORKFLOW,) and ident.issuer == ISSUER
    assert IdentityMatcher(WORKFLOW, "", ISSUER).mismatch(ident) == ""
    assert IdentityMatcher("", r"^https://github\.com/org/", "", r"^https://token\.actions\.").mismatch(ident) == ""
    assert "is not https://github.com/evil" in IdentityMatcher("https://github.com/evil", "", ISSUER).mismatch(ident)
    assert "OIDC issuer https://token.actions.githubusercontent.com is not https://accounts.google.com" in (
        IdentityMatcher(WORKFLOW, "", "https://accounts.google.com").mismatch(ident)
    )
    assert "does not match" in IdentityMatcher("", "^https://gitlab.com/", ISSUER).mismatch(ident)
    _, mail = ps.fulcio.issue("dev@example.com", "https://accounts.google.com")
    assert identity_of(mail).identities == ("dev@example.com",)


def test_expired_and_not_yet_valid_certificates(sigstore: tuple[PrivateSigstore, Path]) -> None:
    ps, path = sigstore
    root = load_trust_root(path)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    _, cert = ps.fulcio.issue(WORKFLOW, ISSUER, not_before=start, minutes=10)
    verify_certificate(cert, [], root, start + dt.timedelta(minutes=5))  # valid when it signed
    with pytest.raises(VerificationError, match="certificate was not valid at signing time"):
        verify_certificate(cert, [], root, dt.datetime.now(dt.UTC))
    with pytest.raises(VerificationError, match="not valid at signing time"):
        verify_certificate(cert, [], root, start - dt.timedelta(minutes=1))


def test_untrusted_ca_and_non_code_signing(sigstore: tuple[PrivateSigstore, Path]) -> None:
    ps, path = sigstore
    root = load_trust_root(path)
    rogue = Fulcio.create("seawall test fulcio")  # same names, different keys
    _, cert = rogue.issue(WORKFLOW, ISSUER)
    with pytest.raises(VerificationError, match="not issued by a CA of the trust root"):
        verify_certificate(cert, [rogue.intermediate], root, dt.datetime.now(dt.UTC))
    _, noeku = ps.fulcio.issue(WORKFLOW, ISSUER, eku=False)  # no EKU at all is accepted
    verify_certificate(noeku, [], root, dt.datetime.now(dt.UTC))
    with pytest.raises(VerificationError, match="no certificate authorities"):
        verify_certificate(cert, [], parse_trust_root(b"{}"), dt.datetime.now(dt.UTC))


def test_matcher_and_trust_root_input_errors() -> None:
    with pytest.raises(InputError, match="needs an OIDC issuer"):
        IdentityMatcher("a@b.c")
    with pytest.raises(InputError, match="invalid regular expression"):
        IdentityMatcher("", "(", "x")
    for bad in (b"[]", b"{", b'{"certificateAuthorities": [{"certChain": {"certificates": [{"rawBytes": "AAAA"}]}}]}'):
        with pytest.raises(InputError):
            parse_trust_root(bad)


def test_sct_required_when_the_trust_root_has_ct_logs(tmp_path: Path) -> None:
    ps = PrivateSigstore()
    root = load_trust_root(ps.trusted_root(tmp_path / "root.json", with_ct=True))
    assert list(root.ct_keys) and not load_trust_root(ps.trusted_root(tmp_path / "plain.json")).ct_keys
    now = dt.datetime.now(dt.UTC)
    _, with_sct = ps.fulcio.issue(WORKFLOW, ISSUER, ct_key=ps.ct)
    assert verify_certificate(with_sct, [], root, now) == ps.fulcio.intermediate
    _, without = ps.fulcio.issue(WORKFLOW, ISSUER)
    with pytest.raises(VerificationError, match="certificate has no SCT"):
        verify_certificate(without, [], root, now)
    other_log = PrivateSigstore().ct
    _, foreign = ps.fulcio.issue(WORKFLOW, ISSUER, ct_key=other_log)
    with pytest.raises(VerificationError, match="SCT does not verify"):
        verify_certificate(foreign, [], root, now)
    # without CT logs in the root, certificates without SCTs are accepted (private CA)
    verify_certificate(without, [], load_trust_root(tmp_path / "plain.json"), now)


def test_trust_root_endless_or_nested(tmp_path: Path) -> None:
    """--trusted-root /dev/zero was read to 15 GB and killed; '[' nested 100k deep was
    'internal error: RecursionError'."""
    with pytest.raises(InputError, match="too large"):
        load_trust_root(Path("/dev/zero"))
    deep = tmp_path / "root.json"
    deep.write_text('{"certificateAuthorities": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InputError, match="not JSON"):
        load_trust_root(deep)


def test_attest_predicate_nested_or_endless(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI refuses a predicate nested 100k deep (was 'internal error: RecursionError') or an
    endless one (/dev/zero) before any key or registry is touched."""
    from seawall.cli.main import main

    monkeypatch.setenv("COSIGN_PASSWORD", "pw")
    deep = tmp_path / "p.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for pred, why in ((deep, "predicate is not JSON"), (Path("/dev/zero"), "predicate is over 16 MiB")):
        code = main(["attest", "127.0.0.1:1/x:y", "--key", str(tmp_path / "none.key"), "--predicate", str(pred)])
        err = capsys.readouterr().err
        assert code == 2 and f"seawall: error: {pred}: {why}" in err and "internal error" not in err


def test_identity_regexp_is_linear_time_re2() -> None:
    """A careless regexp against an identity anyone can get a Fulcio certificate for: Python's
    backtracking re took seconds at 26 characters (exponential); RE2, as cosign's Go regexp, is
    linear. RE2 syntax as in cosign: a look-ahead is an invalid regexp there too."""
    from seawall.supplychain.keyless import CertIdentity

    m = IdentityMatcher("", "^(a+)+$", "https://issuer")
    hostile = CertIdentity(("a" * 100_000 + "b",), "https://issuer", "")
    assert "does not match" in m.mismatch(hostile)
    assert m.mismatch(CertIdentity(("aaaa",), "https://issuer", "")) == ""
    with pytest.raises(InputError, match="invalid regular expression"):
        IdentityMatcher("", "(?=x)y", "https://issuer")
