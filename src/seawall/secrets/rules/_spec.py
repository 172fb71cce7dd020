"""How a secret rule is written: one :func:`secret` call per rule, data plus an optional validator.

Every rule states the keywords that must occur (lower case) before its regex is even tried; the
engine checks keywords with ``str.find`` on a lower-cased buffer, so a file that holds none of a
rule's keywords costs nothing for that rule. The regex names the secret with the group ``s``
(or the whole match). ``entropy`` is a minimum Shannon entropy (bits/char) of the secret;
``validate`` is a format check (checksum, base64/JSON structure) that must pass.

The metadata is registered in :data:`seawall.rules.registry.REGISTRY` under target ``"secret"``
so ``seawall rules list`` and the docs show every rule.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from seawall.rules.registry import declare

#: Every secret rule, in id order once all families are imported.
CATALOGUE: list[SecretRule] = []

RISK = ("3.1.4",)
COUNTERMEASURE = ("4.1.4",)

DEFAULT_REMEDIATION = (
    "Revoke or rotate the credential at its issuer now (it must be treated as leaked), remove it "
    "from the file and from version-control history (git filter-repo --replace-text), and inject "
    "it at run time instead, e.g.:\n"
    "env:\n  - name: API_TOKEN\n    valueFrom:\n      secretKeyRef: {name: app-credentials, key: api-token}"
)

# Priorities decide which rule keeps a span two rules both matched.
PRIO_GENERIC = 10
PRIO_SPECIFIC = 50
PRIO_STRUCTURED = 80  # composite formats (GCP service account, kubeconfig, docker auths)


@dataclass(frozen=True, slots=True)
class SecretRule:
    id: str
    name: str
    title: str
    severity: str
    source: str  # the regex; compiled on first use (most scans wake few rules)
    keywords: tuple[str, ...]
    entropy: float = 0.0
    min_len: int = 0
    validate: Callable[[str], bool] | None = field(default=None, compare=False)
    generic: bool = False
    priority: int = PRIO_SPECIFIC
    paths: re.Pattern[str] | None = None  # only files whose path matches
    requires: tuple[str, ...] = ()  # further lower-case substrings that must all be present
    allow: tuple[re.Pattern[str], ...] = ()  # per-rule allowlist on the secret value
    placeholders: bool = True  # apply the global placeholder allowlist
    identifier_ok: bool = True  # False: an unquoted identifier in code is a variable, not a value
    assignment: bool = False  # generic ``name = value``: the engine vets name and value (see engine)
    digits_or_mixed: bool = False  # value needs a digit, or upper and lower case with length >= 20
    whole: bool = False  # search the whole buffer (multi-line matches, keyword outside the match)
    needs: str = ""  # a literal every match contains: windows without it are skipped unsearched

    flags: int = 0

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.source, self.flags)

    def secret_of(self, m: re.Match[str]) -> tuple[str, int, int]:
        """The secret text and its span inside the buffer."""
        if "s" in self.pattern.groupindex and m.group("s") is not None:
            return m.group("s"), m.start("s"), m.end("s")
        return m.group(0), m.start(), m.end()


@lru_cache(maxsize=1024)
def _compile(source: str, flags: int) -> re.Pattern[str]:
    return re.compile(source, flags)


def shannon(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(k / n * math.log2(k / n) for k in Counter(text).values())


# -- regex building blocks ------------------------------------------------------------------------
#: After a token: a delimiter, an escaped newline or the end of the buffer.
END = r"(?=[\s'\"`;,)\]}<>|&]|\\[nrt]|$)"
#: Before a token: not inside a longer word.
START = r"(?<![A-Za-z0-9_])"
#: Key suffix, quote/bracket and an assignment operator of most languages and config formats.
ASSIGN = r"[\w.\-]{0,25}['\"\]\)]{0,2}[ \t]{0,3}(?:=|:=|::=|:|=>|\?=|,|<-)[ \t]{0,5}['\"`]?[ \t]{0,2}"


def ctx(keys: str, value: str) -> str:
    """A provider keyword in the name, an assignment, then the value (group ``s``)."""
    return rf"(?i)(?:{keys})" + ASSIGN + rf"(?P<s>{value})" + END


def tok(body: str) -> str:
    """A self-identifying token (a fixed prefix), bounded on both sides."""
    return START + rf"(?P<s>{body})" + END


def secret(
    num: int,
    name: str,
    title: str,
    severity: str,
    pattern: str,
    keywords: Iterable[str],
    *,
    description: str = "",
    remediation: str = DEFAULT_REMEDIATION,
    gitleaks: str | Iterable[str] = (),
    trivy: str | Iterable[str] = (),
    entropy: float = 0.0,
    min_len: int = 0,
    validate: Callable[[str], bool] | None = None,
    generic: bool = False,
    priority: int | None = None,
    paths: str | None = None,
    requires: Iterable[str] = (),
    allow: Iterable[str] = (),
    placeholders: bool = True,
    identifier_ok: bool = True,
    assignment: bool = False,
    digits_or_mixed: bool = False,
    whole: bool = False,
    needs: str = "",
    flags: int = 0,
) -> SecretRule:
    """Declare one rule: compile it, register its metadata, add it to :data:`CATALOGUE`."""
    rid = f"SW-SEC-{num:03d}"
    kws = tuple(k.lower() for k in keywords)
    if not kws:
        raise ValueError(f"{rid}: a secret rule needs at least one prefilter keyword")
    tools: dict[str, str | Iterable[str]] = {}
    if gitleaks:
        tools["gitleaks"] = gitleaks
    if trivy:
        tools["trivy"] = trivy
    declare(
        id=rid,
        title=title,
        severity=severity,
        category="secret",
        description=description or f"{title}: a credential committed in clear text.",
        remediation=remediation,
        risk=RISK,
        countermeasure=COUNTERMEASURE,
        target="secret",
        tools=tools,
        cwe=("CWE-798",),
        tags=("secret", name),
    )
    r = SecretRule(
        id=rid,
        name=name,
        title=title,
        severity=severity,
        source=pattern,
        flags=flags,
        keywords=kws,
        entropy=entropy,
        min_len=min_len,
        validate=validate,
        generic=generic,
        priority=priority if priority is not None else (PRIO_GENERIC if generic else PRIO_SPECIFIC),
        paths=re.compile(paths) if paths else None,
        requires=tuple(x.lower() for x in requires),
        allow=tuple(re.compile(a) for a in allow),
        placeholders=placeholders,
        identifier_ok=identifier_ok,
        assignment=assignment,
        digits_or_mixed=digits_or_mixed,
        whole=whole,
        needs=needs,
    )
    CATALOGUE.append(r)
    return r
