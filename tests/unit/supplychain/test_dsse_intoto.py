"""DSSE PAE and envelopes; in-toto statements and SLSA provenance facts."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from seawall.errors import VerificationError
from seawall.supplychain import dsse, intoto


def test_pae_matches_the_dsse_specification_example() -> None:
    # DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert dsse.pae("", b"") == b"DSSEv1 0  0 "


def test_envelope_sign_verify_and_tamper() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    env = dsse.sign_envelope(b'{"a":1}', dsse.INTOTO_PAYLOAD_TYPE, key)
    again = dsse.parse_envelope(env.to_json())
    assert again.verify(key.public_key())
    assert not dsse.Envelope(b'{"a":2}', again.payload_type, again.signatures).verify(key.public_key())
    # the type is signed too: a payload re-labelled as another type does not verify
    assert not dsse.Envelope(again.payload, "text/plain", again.signatures).verify(key.public_key())
    assert not again.verify(ec.generate_private_key(ec.SECP256R1()).public_key())


@pytest.mark.parametrize(
    "doc, message",
    [
        ([], "not a JSON object"),
        ({"payload": "e30=", "signatures": [{"sig": "AA=="}]}, "no payloadType"),
        ({"payload": "e30=", "payloadType": "x", "signatures": []}, "no signatures"),
        ({"payload": "%%%", "payloadType": "x", "signatures": [{"sig": "AA=="}]}, "payload is not base64"),
        ({"payloadType": "x", "signatures": [{"sig": "AA=="}]}, "payload is missing"),
        # URL-safe alphabet but no base64 at all: 'internal error: binascii.Error'
        ({"payload": "x", "payloadType": "x", "signatures": [{"sig": "AA=="}]}, "payload is not base64"),
        ({"payload": "e30=", "payloadType": "x", "signatures": [{"sig": "x"}]}, "signature is not base64"),
    ],
)
def test_hostile_envelopes(doc: object, message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        dsse.parse_envelope(json.dumps(doc).encode())


SLSA_V02 = {
    "builder": {
        "id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.9.0"
    },
    "buildType": "https://github.com/slsa-framework/slsa-github-generator/container@v1",
    "invocation": {"configSource": {"uri": "git+https://github.com/Org/App@refs/heads/main", "digest": {"sha1": "ab"}}},
    "materials": [{"uri": "git+https://github.com/Org/App@refs/heads/main"}, {"uri": "pkg:docker/golang@1.22"}],
}
SLSA_V1 = {
    "buildDefinition": {
        "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
        "externalParameters": {
            "workflow": {
                "ref": "refs/heads/main",
                "repository": "https://github.com/org/app",
                "path": ".github/workflows/release.yml",
            }
        },
        "resolvedDependencies": [
            {"uri": "git+https://github.com/org/app@refs/heads/main", "digest": {"gitCommit": "ab"}}
        ],
    },
    "runDetails": {"builder": {"id": "https://github.com/actions/runner/github-hosted"}},
}


def test_provenance_facts_v02_and_v1() -> None:
    st = intoto.parse_statement(intoto.make_statement("r/app", "sha256:" + "a" * 64, intoto.SLSA_V02, SLSA_V02))
    assert st.names_digest("sha256:" + "a" * 64) and not st.names_digest("sha256:" + "b" * 64)
    p = intoto.provenance_facts(st)
    assert p.builder_id.startswith("https://github.com/slsa-framework/slsa-github-generator/")
    assert p.sources[0] == "github.com/org/app" and "pkg:docker/golang" in p.sources[1]
    st1 = intoto.parse_statement(intoto.make_statement("r/app", "sha256:" + "a" * 64, intoto.SLSA_V1, SLSA_V1))
    p1 = intoto.provenance_facts(st1)
    assert p1.builder_id == "https://github.com/actions/runner/github-hosted"
    assert p1.sources == ("github.com/org/app",)


@pytest.mark.parametrize(
    "uri, norm",
    [
        ("git+https://github.com/Org/Repo.git@refs/tags/v1", "github.com/org/repo"),
        ("https://gitlab.com/group/sub/proj", "gitlab.com/group/sub/proj"),
        ("github.com/org/repo/", "github.com/org/repo"),
        ("git+ssh://git@github.com/org/repo.git", "github.com/org/repo"),
    ],
)
def test_normalise_repo(uri: str, norm: str) -> None:
    assert intoto.normalise_repo(uri) == norm


def test_statement_errors_and_hostile_predicates() -> None:
    with pytest.raises(VerificationError, match="not an in-toto statement"):
        intoto.parse_statement(b'{"_type": "x"}')
    st = intoto.parse_statement(
        json.dumps(
            {
                "_type": intoto.STATEMENT_V1,
                "subject": [None, {"digest": 3}],
                "predicateType": intoto.SLSA_V1,
                "predicate": {"runDetails": [], "buildDefinition": {"resolvedDependencies": [None, 1]}},
            }
        ).encode()
    )
    p = intoto.provenance_facts(st)
    assert p.builder_id == "" and p.sources == ()
