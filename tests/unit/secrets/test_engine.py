"""The secret engine: prefilter, validators, placeholders, generic vetting, de-duplication,
inline and configured ignores, test paths and lock files, line/column positions."""

from __future__ import annotations

import binascii
import re

import pytest

from seawall.errors import PolicyError
from seawall.policy.config import parse_config
from seawall.secrets.engine import SecretScanner, SecretSettings, path_matches, scanner_for
from seawall.secrets.rules import CATALOGUE
from seawall.secrets.rules._validators import base62_encode, github_token_ok, jwt_ok

BODY = "Hq3ZtR8vWm2KpL9xNc4YbJ7sFd6GeA"  # 30 chars of a GitHub token's random part
GOOD_GHP = "ghp_" + BODY + base62_encode(binascii.crc32(BODY.encode()))
BAD_GHP = "ghp_" + BODY + "AbCdEf"


def names(text: str, path: str = "app/config.env", **kw: object) -> list[str]:
    sc = SecretScanner(settings=SecretSettings(**kw))  # type: ignore[arg-type]
    return [h.rule.name for h in sc.scan_text(text, path)]


def test_github_checksum_is_verified() -> None:
    assert github_token_ok(GOOD_GHP) and not github_token_ok(BAD_GHP)
    assert names(f"GITHUB_TOKEN={GOOD_GHP}\n") == ["github-pat"]
    # a look-alike with a wrong checksum is neither a GitHub token nor a generic token
    assert names(f"GITHUB_TOKEN={BAD_GHP}\n") == []
    assert names(f"GITHUB_TOKEN={BAD_GHP}\n", verify_checksums=False) == ["github-pat"]


def test_positions_and_redaction() -> None:
    text = f"a: 1\nb: 2\n  token_for_ci = {GOOD_GHP}\n"
    (hit,) = SecretScanner().scan_text(text, "ci.env")
    assert (hit.line, hit.column) == (3, 18)
    assert text[hit.start : hit.end] == GOOD_GHP
    assert GOOD_GHP not in repr(hit) and hit.redacted.prefix == "ghp_"


@pytest.mark.parametrize(
    "line",
    [
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "DB_PASSWORD=${DB_PASSWORD}",
        'password: "{{ .Values.password }}"',
        "password: changeme",
        "password_min_length: 16",
        "token_url: https://auth.internal.local/token",
        'api_key: "<your-api-key>"',
        "secretName: app-tls",
        "passwordPolicy: strict",
        "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
        "SLACK_TOKEN=xoxb-your-token-here",
        "token: true",
        "bypass: Zx81kqLm2vPq",
        "password: !vault |",
        'password: "%(db_password)s"',
        "password: %DB_PASSWORD%",
        "password: ENC[AES256_GCM,data:Zq81Lm,iv:Xk9]",
    ],
)
def test_placeholders_and_lookalikes_are_quiet(line: str) -> None:
    assert names(line + "\n") == []


@pytest.mark.parametrize(
    "line",
    [
        'password = os.environ["DB_PASSWORD"]',
        "api_key = settings.PAYMENTS_API_KEY",
        "password = secret_password",
        'token = request.headers.get("Authorization")',
        "  'allPass': 'overEvery',",  # lodash/fp/_mapping.js
        "      $pass = '-anonymous@'",  # perl Net/FTP.pm
        "push @{ $self->{ $test->is_ok ? 'passed' : 'failed' } } =>",  # perl TAP/Parser.pm
        "$_[0]='--password --inputbox'",  # perl Debconf
    ],
)
def test_code_references_are_not_literals(line: str) -> None:
    assert names(line + "\n", "app/settings.py") == []
    assert names(line + "\n", "lib/module.pm") == []


@pytest.mark.parametrize(
    ("line", "path", "expected"),
    [
        ('DB_PASSWORD="Xk9#mP2vLq77"', "app/.env", "generic-password"),
        ("db_password = 'Xk9#mP2vLq77'", "app/db.py", "generic-password"),
        ("dbPassword: Xk9mP2vLq77", "app/values.yaml", "generic-password"),
        ("ENV DB_PASSWORD=%0p53NFKh_r7Lp!r", "Dockerfile", "generic-password"),
        ("CLIENT_SECRET=Zq81LmN2bV7cX4pK9sT3rW6y", "app/.env", "generic-secret"),
        ('"auth_token": "Zq81LmN2bV7cX4pK9sT3rW6yQ0aB5dE8"', "a.json", "generic-token"),
        ("DATABASE_URL=postgresql://app:Pw7Kq2Lm9X@db:5432/app", "a.env", "postgres-url"),
        ("BROKER=amqp://svc:Pw7Kq2Lm9X@mq:5672/", "a.env", "amqp-url"),
        ("machine github.com login bot password Pw7Kq2Lm9X", ".netrc", "netrc-password"),
    ],
)
def test_generic_and_url_rules(line: str, path: str, expected: str) -> None:
    assert names(line + "\n", path) == [expected]


def test_specific_rule_wins_over_generic_on_the_same_span() -> None:
    got = names(f"api_token = '{GOOD_GHP}'\n", "x.py")
    assert got == ["github-pat"]


def test_aws_pair_is_marked() -> None:
    text = (
        "aws_access_key_id = AKIAZ7QWERTYUI2345AB\naws_secret_access_key = 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\n"
    )
    hits = SecretScanner().scan_text(text, "home/.aws/credentials")
    assert [h.rule.name for h in hits] == ["aws-access-key-id", "aws-secret-access-key"]
    assert dict(hits[0].extra)["paired_secret_line"] == 2


def test_inline_ignore() -> None:
    assert names(f"TOKEN={GOOD_GHP}  # seawall:ignore\n") == []
    assert names(f"TOKEN={GOOD_GHP}  # seawall:ignore SW-SEC-050\n") == []
    assert names(f"TOKEN={GOOD_GHP}  # seawall:ignore SW-SEC-001\n") == ["github-pat"]


def test_test_paths_skip_generic_rules_only() -> None:
    text = f'password = "Xk9#mP2vLq77"\ntoken = "{GOOD_GHP}"\n'
    assert names(text, "tests/test_login.py") == ["github-pat"]
    assert names(text, "app/login.py") == ["generic-password", "github-pat"]
    assert names(text, "tests/test_login.py", skip_test_paths=False) == ["generic-password", "github-pat"]


def test_lock_files_are_skipped() -> None:
    assert names(f"token: {GOOD_GHP}\n", "web/package-lock.json") == []
    assert names(f"token: {GOOD_GHP}\n", "web/package-lock.json", skip_lock_files=False) == ["github-pat"]


def test_config_section_ignores_and_disables() -> None:
    cfg = parse_config(
        {
            "secrets": {
                "ignore_paths": ["docs/**"],
                "allow": ["^Xk9"],
                "rules": {"SW-SEC-050": {"ignore_paths": ["ci/*.env"]}},
            },
            "rules": {"disable": ["SW-SEC-097"]},
        },
        "cfg",
        __import__("pathlib").Path("."),
    )
    sc = scanner_for(cfg)
    assert all(r.id != "SW-SEC-097" for r in sc.rules)
    assert sc.scan_text(f"T={GOOD_GHP}\n", "docs/guide/setup.md") == []
    assert sc.scan_text(f"T={GOOD_GHP}\n", "ci/build.env") == []
    assert [h.rule.id for h in sc.scan_text(f"T={GOOD_GHP}\n", "app/build.env")] == ["SW-SEC-050"]
    assert sc.scan_text('DB_PASSWORD="Xk9#mP2vLq77"\n', "app/.env") == []


@pytest.mark.parametrize(
    "section",
    [
        {"bogus": 1},
        {"allow": ["("]},
        {"skip_test_paths": "yes"},
        {"rules": {"SW-SEC-050": {"nope": 1}}},
        {"max_file_size": -1},
    ],
)
def test_bad_config_is_a_policy_error(section: dict[str, object]) -> None:
    with pytest.raises(PolicyError) as err:
        SecretSettings.from_section(section)
    assert "\n" not in str(err.value)


def test_path_globs() -> None:
    assert path_matches("docs/a/b.md", ["docs/**"])
    assert path_matches("x/y/secrets.env", ["*.env"])
    assert not path_matches("app/main.py", ["docs/**", "*.env"])


def test_private_key_blocks() -> None:
    body = "\n".join(("MIIEow" + "Kq8ZtR3vWm2KpL9xNc4YbJ7sFd6GeAhU1oI5yT0rE" * 2)[:64] for _ in range(8))
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\nVw==\n-----END RSA PRIVATE KEY-----\n"
    (hit,) = SecretScanner().scan_text("key: |\n" + pem, "k.yaml")
    assert hit.rule.name == "rsa-private-key" and hit.line == 2
    cert = pem.replace("RSA PRIVATE KEY", "CERTIFICATE")
    assert SecretScanner().scan_text(cert, "c.pem") == []
    truncated = "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----\n"
    assert SecretScanner().scan_text(truncated, "k.pem") == []


def test_jwt_structure() -> None:
    tok = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtOTEiLCJyb2xlIjoiYWRtaW4ifQ."
        "Zq81LmN2bV7cX4pK9sT3rW6yQ0aB5dE8fGhJkL2mN4o"
    )
    assert jwt_ok(tok)
    assert names(f"session={tok}\n") == ["jwt"]
    assert not jwt_ok("eyJzZWxlY3Q.eyJmcm9tIHRhYmxl.Zq81LmN2bV7cX4pK9sT3")


def test_prefilter_skips_rules_without_keywords() -> None:
    sc = SecretScanner()
    assert sc.candidates("nothing to see here\n") == []
    cands = {r.name for r in sc.candidates(f"x={GOOD_GHP}".lower())}
    assert "github-pat" in cands and "rsa-private-key" not in cands


def test_every_rule_regex_names_its_secret_and_has_keywords() -> None:
    for r in CATALOGUE:
        assert r.keywords and all(k == k.lower() for k in r.keywords), r.id
        assert "s" in r.pattern.groupindex or r.pattern.groups == 0 or r.assignment, r.id
        re.compile(r.pattern.pattern)


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN RSA PRIVATE KEY-----\n" * 20000,  # headers without bodies or ends
        "---- BEGIN SSH2 PRIVATE KEY ----\n" * 20000,
        "password=" * 100000,
        "https://user:pass@" * 50000,
        ("api_key=" + "A" * 50 + " ") * 20000,
        "eyJ" * 200000,
    ],
    ids=["pem-headers", "ssh2-headers", "password-flood", "url-flood", "key-flood", "eyj-flood"],
)
def test_hostile_buffers_finish_without_findings(text: str) -> None:
    # regression guard: each of these once took quadratic time (a BEGIN scanned to the next END)
    assert SecretScanner().scan_text(text, "hostile.txt") == []


def test_many_hits_in_one_buffer_keep_their_lines() -> None:
    # regression guard for per-hit work that was linear in the buffer (inline-ignore lookup,
    # line counting, overlap checks): thousands of hits must stay cheap and exact
    body = "".join(
        f"aws_access_key_id=AKIA{(i * 7919) % 10**8:08d}".translate(str.maketrans("0189", "ABCD"))
        + f"QRSTUVWX aws_secret_access_key=Zq81LmN2bV7cX4pK9sT3rW6yQ0aB5dE8fG{i:06d}\n"
        for i in range(1, 3001)
    )
    hits = SecretScanner().scan_text(body, "creds.txt")
    ids = [h for h in hits if h.rule.name == "aws-access-key-id"]
    keys = [h for h in hits if h.rule.name == "aws-secret-access-key"]
    assert len(ids) == 3000 and len(keys) == 3000
    assert [h.line for h in keys[:3]] == [1, 2, 3] and keys[-1].line == 3000


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("ci.yml", "  token: ${{ secrets.GITHUB_TOKEN }}"),
        ("a.yaml", "apiKey: {{ .Values.apiKey | quote }}"),
        ("a.env", "SECRET_KEY=django-insecure-change-this-in-production"),
        ("a.py", "TOKEN_RE = re.compile(r'[A-Za-z0-9]{40}')"),
        ("a.py", 'api_key = os.getenv("API_KEY", "")'),
        ("a.md", "Set `API_KEY=<your key>` in .env"),
        ("a.yaml", "auth:\n  type: token\n  tokenSecretRef: github-token"),
        ("a.json", '"integrity": "sha512-2hNqCzC7vfj5Yq6nN2HzfJ3lqKlZ8JxQYnCRnmY3FVOkYJ1z8y9gQqYoKZ4y3w0j5uDYQ=="'),
        ("a.go", 'const tokenHeader = "X-Auth-Token"'),
        ("a.ts", "const secretKey = process.env.SECRET_KEY!;"),
        ("a.yaml", "passwordSecret:\n  name: mongo-pass\n  key: password"),
        ("a.yaml", "checksum/config: 8d3b2e4c1f6a7d9e0b5c2a4f6e8d1c3b5a7f9e2d4c6b8a0f1e3d5c7b9a2f4e6d"),
        ("a.tf", "password = random_password.db.result"),
        ("a.yaml", "existingSecret: my-release-postgresql"),
        ("a.sh", 'read -s -p "Password: " PASSWORD'),
        ("a.yaml", "aws_secret_access_key: !Ref SecretKeyParam"),
        ("a.yml", "token: xoxb-0000000000-0000000000-xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("A.java", 'private static final String PASSWORD_REGEX = "^(?=.*[A-Z]).{8,}$";'),
        ("a.json", '"NextToken": "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="'),
        ("a.json", '"AWS::MSK::BatchScramSecret": "ff2b807a577495b0",'),
        ("a.rst", '"encryptionKey": "arn:aws:kms:us-west-2:111122223333:key/c9fe2447-0795-4fda-afbe-8464574ae162",'),
        ("a.rst", "curl http://evil:thing@example.com/"),
    ],
)
def test_real_world_non_secrets(path: str, text: str) -> None:
    assert names(text + "\n", path) == []


def test_text_with_lone_surrogates_is_scanned_and_scrubbed() -> None:
    """A message naming a file whose name is not UTF-8 holds lone surrogates; the keyword
    automaton (UTF-8 inside) refused it, which failed the secrets-scrub analyzer and left the scan
    incomplete. The text is scanned with the same offsets and the name kept."""
    from seawall.policy.config import Config
    from seawall.secrets.engine import scrub

    body = "Kp4LxNc9YbJ7sFd6GeAHq3ZtR8vWm2"
    token = "ghp_" + body + base62_encode(binascii.crc32(body.encode()))
    text = f"bad\udcff.yaml (document 1): unexpected {token} here"
    out = scrub(scanner_for(Config()), text)
    assert out.startswith("bad\udcff.yaml (document 1): unexpected ") and token not in out and "ghp_" in out
