"""The secret scanning engine: keyword prefilter, regexes, vetting, de-duplication, redaction.

Order of work for one buffer, cheapest first:

1. path filters (lock files, configured ``ignore_paths``; generic rules skip test paths);
2. one lower-cased copy of the buffer and a keyword prefilter: one Aho-Corasick pass
   (``ahocorasick_rs``) finds every rule keyword; a rule whose keywords do not occur is never
   run, and a rule that is woken runs only on the lines holding its keywords (multi-line
   formats such as PEM blocks search the whole buffer);
3. the candidate rules' regexes; each match is vetted: placeholder allowlist, per-rule and
   configured allow regexes, minimum entropy, format validators (GitHub/npm CRC32 checksums,
   JWT/PEM/base64 structure), and for generic ``name = value`` rules the name and value shape;
4. overlapping matches keep the most specific rule; inline ``seawall:ignore`` comments drop hits;
5. the secret is redacted here, before anything else sees it: a :class:`SecretHit` has no
   field that could hold the raw value.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from seawall.errors import PolicyError
from seawall.policy.config import str_tuple
from seawall.secrets.redact import Redacted, redact
from seawall.secrets.rules import CATALOGUE, SecretRule
from seawall.secrets.rules._spec import shannon
from seawall.secrets.rules._validators import CHECKSUM_VALIDATORS

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: Values that are obviously not secrets: templates, references, placeholders, sample markers.
PLACEHOLDER = re.compile(
    r"(?i)example|x{5,}|changeme|change[_-]?(?:me|it|this)|placeholder|dummy|redacted|replace[_-]?me|"
    r"your[_-]|^your(?:pass|secret|token|key|api|own)|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\$\([^)]*\)|\*{3,}|\.{3}|\u2026|0123456789|1234567890|"
    r"abcdefghij|^\$[A-Za-z_]\w*$|^%[A-Za-z_]\w*%$|^@[A-Za-z_]\w*@$|^(?:insert|enter|fill)[_-]|fake|sample|"
    r"^(.)\1+$"
)
STOPWORDS = frozenset(
    """
    password passwd pass pwd secret secrets token tokens none null nil true false yes no on off
    undefined string str int bool boolean required optional empty default test testing admin root
    user username value values xxx env secret_key api_key apikey key changeme letmein mypassword
    mysecret mytoken notsecret not-a-secret unused disabled enabled hidden masked protected
    password123 secret123 pa55word p@ssw0rd qwerty qwerty123 abc123 foobar
    """.split()  # noqa: SIM905
)
#: Name suffixes that make ``password_length = 12`` a setting, not a password.
DENY_SUFFIX = frozenset(
    """
    length len min max size policy policies file files path paths env var variable name names ref
    field prompt regex pattern reset url uri endpoint label placeholder required enabled mode type
    hint format rules rule strength expiry expires expiration ttl timeout count attempts id ids
    column param dir input validator header algorithm alg version provider store location source
    hash hashed digest salt template encoding charset prefix suffix kind class schema scope scopes
    lifetime duration limit usage period method manager service handler helper generator factory
    callback function fn from command cmd script cache changed updated created flag confirm
    confirmation again old new secretref keyref selector mount volume annotation key_ref secret_ref
    enc encrypted encryption_type visible visibility text message msg error title description desc
    help doc docs link page view form button
    """.split()  # noqa: SIM905
)
NAME_DENY = re.compile(
    r"(?i)public|publishable|csrf|xsrf|captcha|nonce|keyboard|monkey|turkey|donkey|bypass|compass|passenger|passport|passthrough|passive|password_?policy|"
    r"pass(?:ed|es|ing|age|over|thru)(?![a-z])|"
    r"(?:input|output|next|page|paging|pagination|continuation|client|idempotency|sync|resume|starting|change|"
    r"cancel|cancellation|request|session_?state|lock|update|forward|backward)[_.\-]?token|tokeni[sz]|verifier|"
    r"lastused|last_used|secrets?_?manager|amz-credential"
)
CODE_SUFFIXES = frozenset(
    """
    .py .pyi .js .jsx .mjs .cjs .ts .tsx .go .java .kt .kts .scala .rb .php .cs .c .cc .cpp .cxx .h
    .hpp .rs .swift .m .mm .groovy .dart .lua .pl .pm .r .jl .ex .exs .erl .clj .vb .fs .vue .svelte
    """.split()  # noqa: SIM905
)
LOCK_FILES = re.compile(
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|"
    r"Cargo\.lock|composer\.lock|Gemfile\.lock|go\.sum|gradle\.lockfile|packages\.lock\.json|mix\.lock|"
    r"pubspec\.lock|flake\.lock|uv\.lock|deno\.lock|\.terraform\.lock\.hcl)$"
)
TEST_PATHS = re.compile(
    r"(?i)(?:^|/)(?:tests?|testdata|test-data|test_data|fixtures?|__tests__|__mocks__|mocks?|spec)/|"
    r"(?:^|/)test_[^/]*\.py$|_test\.(?:go|py)$|\.(?:test|spec)\.[cm]?[jt]sx?$"
)
IGNORE_MARK = "seawall:ignore"
_VETOED = "\x00vetoed"  # sentinel value: the match failed its format validator
_TAG = re.compile(r"![A-Za-z][\w.]*")  # YAML tags: !vault, !Ref, !Sub
_PERCENT_TEMPLATE = re.compile(r"%(?:[\w.]*%|\(|[-+ #0]*\d*[sdifrxXe]\b)")  # %VAR%, %(name)s, %s
#: Encrypted or externally resolved values: SOPS, Vault/secret-manager references, helm-secrets.
_SEALED = re.compile(r"ENC\[|vault:|ref\+|sm://|arn:|projects/[^/]+/secrets/|AgB[A-Za-z0-9+/]{100}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d|$)")
_HEX_ONLY = re.compile(r"(?:0x)?[0-9a-fA-F]+")
_PASSWORD_KWS = ("password", "passwd", "pwd", "pass", "passphrase")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+|[A-Za-z_]\w*\[[^\]]*\]")
_CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_LONG_KWS = ("password", "passwd", "passphrase", "secret", "token", "credential", "key")


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One detected secret, already redacted. ``start``/``end`` are offsets in the scanned text."""

    rule: SecretRule
    line: int
    column: int
    start: int
    end: int
    redacted: Redacted
    extra: tuple[tuple[str, Any], ...] = ()


@dataclass(slots=True)
class RuleOverride:
    ignore_paths: tuple[str, ...] = ()
    allow: tuple[re.Pattern[str], ...] = ()
    entropy: float | None = None


@dataclass(slots=True)
class SecretSettings:
    """The ``secrets:`` section of ``.seawall.yaml``::

        secrets:
          ignore_paths: ["docs/**", "*.md"]      # globs over the path, a trailing part or the name
          allow: ["^AKIA.*TESTKEY$"]             # regexes: matching secret values are not reported
          skip_test_paths: true                  # generic rules skip tests/, fixtures/, *_test.go ...
          skip_lock_files: true                  # package-lock.json, poetry.lock, go.sum ...
          verify_checksums: true                 # GitHub/npm tokens must carry a valid CRC32
          max_file_size: 10485760                # bytes; larger files are skipped (listed as skipped)
          rules:
            SW-SEC-160: {ignore_paths: ["ci/*.env"], allow: ["^dev-"], entropy: 3.0}

    Rules are enabled/disabled like every other rule (``rules: {disable: [SW-SEC-107]}``), and a
    line carrying ``seawall:ignore`` (optionally ``seawall:ignore SW-SEC-050``) is skipped.
    """

    disable: tuple[str, ...] = ()
    ignore_paths: tuple[str, ...] = ()
    allow: tuple[re.Pattern[str], ...] = ()
    skip_test_paths: bool = True
    skip_lock_files: bool = True
    verify_checksums: bool = True
    max_file_size: int = DEFAULT_MAX_BYTES
    rules: dict[str, RuleOverride] = field(default_factory=dict)

    @classmethod
    def from_section(cls, section: dict[str, Any], subject: str = ".seawall.yaml") -> SecretSettings:
        s = cls()
        known = {
            "disable",
            "ignore_paths",
            "allow",
            "skip_test_paths",
            "skip_lock_files",
            "verify_checksums",
            "max_file_size",
            "rules",
        }
        unknown = set(section) - known
        if unknown:
            raise PolicyError(f"secrets: unknown key(s): {', '.join(sorted(map(str, unknown)))}", subject=subject)
        s.disable = str_tuple(section.get("disable"), "secrets.disable", subject)
        s.ignore_paths = str_tuple(section.get("ignore_paths"), "secrets.ignore_paths", subject)
        s.allow = _regexes(section.get("allow"), "secrets.allow", subject)
        for key in ("skip_test_paths", "skip_lock_files", "verify_checksums"):
            if key in section:
                if not isinstance(section[key], bool):
                    raise PolicyError(f"secrets.{key} must be true or false", subject=subject)
                setattr(s, key, section[key])
        if "max_file_size" in section:
            v = section["max_file_size"]
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise PolicyError("secrets.max_file_size must be a positive number of bytes", subject=subject)
            s.max_file_size = v
        rules = section.get("rules") or {}
        if not isinstance(rules, dict):
            raise PolicyError("secrets.rules must map rule ids to settings", subject=subject)
        for rid, cfg in rules.items():
            where = f"secrets.rules.{rid}"
            if not isinstance(cfg, dict):
                raise PolicyError(f"{where} must be a mapping", subject=subject)
            bad = set(cfg) - {"ignore_paths", "allow", "entropy"}
            if bad:
                raise PolicyError(f"{where}: unknown key(s): {', '.join(sorted(map(str, bad)))}", subject=subject)
            ent = cfg.get("entropy")
            if ent is not None and (not isinstance(ent, int | float) or isinstance(ent, bool)):
                raise PolicyError(f"{where}.entropy must be a number", subject=subject)
            s.rules[str(rid)] = RuleOverride(
                str_tuple(cfg.get("ignore_paths"), f"{where}.ignore_paths", subject),
                _regexes(cfg.get("allow"), f"{where}.allow", subject),
                float(ent) if ent is not None else None,
            )
        return s


def _regexes(value: Any, where: str, subject: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for i, text in enumerate(str_tuple(value, where, subject)):
        try:
            out.append(re.compile(text))
        except re.error as err:
            raise PolicyError(f"{where}[{i}]: invalid regex: {err}", subject=subject) from None
    return tuple(out)


def path_matches(path: str, globs: Iterable[str]) -> bool:
    """Glob match against the whole path, any trailing part of it, or the file name."""
    norm = path.replace("\\", "/").lstrip("./") if path.startswith("./") else path.replace("\\", "/")
    name = norm.rsplit("/", 1)[-1]
    for g in globs:
        g2 = g[:-3] + "/*" if g.endswith("/**") else g
        if fnmatch.fnmatchcase(norm, g2) or fnmatch.fnmatchcase(name, g2) or fnmatch.fnmatchcase(norm, "*/" + g2):
            return True
        if g.endswith("/**") and (norm.startswith(g[:-3] + "/") or f"/{g[:-3]}/" in f"/{norm}"):
            return True
    return False


def _name_before(text: str, pos: int) -> str:
    i = pos
    while i > 0 and pos - i < 40 and (text[i - 1].isalnum() or text[i - 1] in "_.-"):
        i -= 1
    return text[i:pos]


def _last_segment(suffix: str) -> str:
    parts = [p for p in re.split(r"[_.\-]", suffix) if p]
    if not parts:
        return ""
    words = _CAMEL.findall(parts[-1])
    return (words[-1] if words else parts[-1]).lower()


class SecretScanner:
    """Scans text buffers with the enabled rules. Build once per scan, reuse for every file."""

    def __init__(self, rules: Sequence[SecretRule] | None = None, settings: SecretSettings | None = None) -> None:
        self.settings = settings or SecretSettings()
        chosen = list(CATALOGUE if rules is None else rules)
        self.rules = [r for r in chosen if not any(fnmatch.fnmatchcase(r.id, p) for p in self.settings.disable)]
        self._by_kw: dict[str, list[int]] = {}
        for i, r in enumerate(self.rules):
            for kw in r.keywords:
                self._by_kw.setdefault(kw, []).append(i)
        self._keywords = sorted(self._by_kw)
        self._automaton: Any = _build_automaton(self._keywords)

    # -- prefilter -------------------------------------------------------------------------------
    def keyword_set(self) -> list[str]:
        """Every keyword of the scanner's rules (lower case): no rule runs on a text without one."""
        return list(self._keywords)

    def keyword_hits(self, low: str) -> dict[str, list[int]]:
        """Start offsets of every keyword occurrence in the lower-cased buffer."""
        out: dict[str, list[int]] = {}
        if self._automaton is not None:
            kws = self._keywords
            try:
                matches = self._automaton.find_matches_as_indexes(low, overlapping=True)
            except UnicodeEncodeError:  # lone surrogates (a file name that is not UTF-8, in a message)
                # the automaton works on UTF-8: the same text with each one as U+FFFD, same offsets
                safe = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in low)
                matches = self._automaton.find_matches_as_indexes(safe, overlapping=True)
            for idx, start, _end in matches:
                out.setdefault(kws[idx], []).append(start)
            return out
        for kw in self._keywords:
            pos = low.find(kw)
            while pos >= 0:
                out.setdefault(kw, []).append(pos)
                pos = low.find(kw, pos + 1)
        return out

    def candidates(self, low: str, hits: dict[str, list[int]] | None = None) -> list[SecretRule]:
        """Rules with at least one keyword (and all ``requires`` strings) present, in id order."""
        if hits is None:
            hits = self.keyword_hits(low)
        idx: set[int] = set()
        for kw in hits:
            idx.update(self._by_kw[kw])
        out = []
        for i in sorted(idx):
            r = self.rules[i]
            if r.requires and not all(x in low for x in r.requires):
                continue
            out.append(r)
        return out

    # -- scanning --------------------------------------------------------------------------------
    def path_ignored(self, path: str) -> bool:
        if self.settings.skip_lock_files and LOCK_FILES.search(path):
            return True
        return bool(self.settings.ignore_paths) and path_matches(path, self.settings.ignore_paths)

    def scan_text(self, text: str, path: str = "", *, code: bool | None = None) -> list[SecretHit]:
        """Every secret in ``text`` (the content of ``path``), redacted, with 1-based lines."""
        if not text or (path and self.path_ignored(path)):
            return []
        low = text.lower()
        kw_hits = self.keyword_hits(low)
        if not kw_hits:
            return []
        rules = self.candidates(low, kw_hits)
        if not rules:
            return []
        aligned = len(low) == len(text)  # lower() kept offsets (true unless exotic Unicode)
        if code is None:
            dot = path.rfind(".")
            code = dot > path.rfind("/") and path[dot:].lower() in CODE_SUFFIXES
        test_path = bool(path) and self.settings.skip_test_paths and bool(TEST_PATHS.search(path))
        raw: list[tuple[SecretRule, int, int, Redacted]] = []
        vetoed: list[tuple[int, int]] = []
        for r in rules:
            if r.generic and test_path:
                continue
            if r.paths is not None and not r.paths.search(path):
                continue
            ov = self.settings.rules.get(r.id)
            if ov is not None and ov.ignore_paths and path and path_matches(path, ov.ignore_paths):
                continue
            for m in _matches(r, text, kw_hits if aligned and not r.whole else None):
                found = self._vet(r, m, text, code, ov)
                if found is None:
                    continue
                value, s, e = found
                if value is _VETOED:
                    vetoed.append((s, e))  # a known format that failed its checksum/structure
                    continue
                raw.append((r, s, e, redact(value)))
        if not raw:
            return []
        if vetoed:
            # a look-alike of a checksummed token is not a secret for the generic rules either
            raw = [t for t in raw if not (t[0].generic and any(t[1] < ve and vs < t[2] for vs, ve in vetoed))]
        kept = _dedupe(raw)
        lines = _LineIndex(text)
        has_mark = IGNORE_MARK in text
        hits = []
        for r, s, e, red in kept:
            if has_mark and _ignored_inline(lines, s, e, r.id):
                continue
            line, col = lines.position(s)
            hits.append(SecretHit(r, line, col, s, e, red))
        return _pair_aws(hits)

    def _vet(
        self, r: SecretRule, m: re.Match[str], text: str, code: bool, ov: RuleOverride | None
    ) -> tuple[str, int, int] | None:
        value, s, e = r.secret_of(m)
        if r.assignment:
            cut = _vet_assignment(r, m, text, code)
            if cut is None:
                return None
            value, s, e = cut
        if r.min_len and len(value) < r.min_len:
            return None
        if r.placeholders and PLACEHOLDER.search(value):
            return None
        for a in r.allow:
            if a.search(value):
                return None
        for a in self.settings.allow:
            if a.search(value):
                return None
        if ov is not None and any(a.search(value) for a in ov.allow):
            return None
        min_entropy = ov.entropy if ov is not None and ov.entropy is not None else r.entropy
        if min_entropy and shannon(value) < min_entropy:
            return None
        if r.digits_or_mixed and not (
            any(c.isdigit() for c in value)
            or (len(value) >= 20 and any(c.isupper() for c in value) and any(c.islower() for c in value))
        ):
            return None
        checked = r.validate is not None and (self.settings.verify_checksums or r.validate not in CHECKSUM_VALIDATORS)
        if checked and r.validate is not None and not r.validate(value):
            return (_VETOED, s, e) if not r.generic else None
        return value, s, e


def _matches(r: SecretRule, text: str, kw_hits: dict[str, list[int]] | None) -> Iterator[re.Match[str]]:
    """The rule's matches: on the lines holding its keywords (adjacent lines merged into one
    window), or in the whole buffer for rules whose matches span lines (``whole``)."""
    if kw_hits is None:
        yield from r.pattern.finditer(text)
        return
    lists = [kw_hits[kw] for kw in r.keywords if kw in kw_hits]
    positions = lists[0] if len(lists) == 1 else sorted(p for lst in lists for p in lst)
    n = len(text)
    needs = r.needs
    win_start = win_end = -1
    for p in positions:
        if p < win_end:
            continue  # this keyword sits on a line already in the window
        ws = text.rfind("\n", 0, p) + 1
        we = text.find("\n", p)
        we = n if we < 0 else we
        if ws <= win_end + 1 and win_end >= 0:
            win_end = we  # the next line: grow the window
            continue
        if win_end >= 0 and (not needs or text.find(needs, win_start, win_end) >= 0):
            yield from r.pattern.finditer(text, win_start, win_end)
        win_start, win_end = ws, we
    if win_end >= 0 and (not needs or text.find(needs, win_start, win_end) >= 0):
        yield from r.pattern.finditer(text, win_start, win_end)


def _vet_assignment(r: SecretRule, m: re.Match[str], text: str, code: bool) -> tuple[str, int, int] | None:
    """Decide whether ``name = value`` is a literal credential. Returns the (trimmed) value."""
    kw = m.group("kw")
    suf = m.group("suf") or ""
    ks = m.start("kw")
    prev = text[ks - 1] if ks > 0 else ""
    kwl = kw.lower()
    # a short keyword inside a word ("bypass"), unless it starts a camelCase part ("dbPass")
    camel = kw[0].isupper() and (prev.islower() or prev.isdigit())
    if prev.isalnum() and not kwl.startswith(_LONG_KWS) and not camel:
        return None
    name = _name_before(text, ks) + kw + suf
    if NAME_DENY.search(name):
        return None
    if suf and _last_segment(suf) in DENY_SUFFIX:
        return None
    if (
        not suf
        and prev in "_.-"
        and _last_segment(_name_before(text, ks)) in ("public", "example", "sample", "dummy", "fake", "test")
    ):
        return None
    value, s, e = m.group("s"), m.start("s"), m.end("s")
    quoted = bool(m.group("q"))
    name_start = ks - (len(name) - len(kw) - len(suf))
    if text[max(0, name_start - 2) : name_start] == "::":
        return None  # a CloudFormation type name ("AWS::MSK::BatchScramSecret"), not a variable
    if "EXAMPLE" in text[text.rfind("\n", 0, s) + 1 : s]:
        return None  # documentation convention (AWS docs mark sample credentials with EXAMPLE)
    while value.endswith(("\\n", "\\r", "\\t")):  # a trailing escape in a source string
        value, e = value[:-2], e - 2
    if not quoted:
        trimmed = value.rstrip(",;)]}>")
        e -= len(value) - len(trimmed)
        value = trimmed
        if code:
            return None  # an unquoted value in source code is an identifier, a call or a number
        if value[:1] in "${<[(&*#@|>\\" or _TAG.fullmatch(value):
            return None
        if _REFERENCE.fullmatch(value):
            return None
    else:
        if value[:1] in "${<" or value.startswith("#{"):
            return None
    if not value or value.lower() in STOPWORDS or _PERCENT_TEMPLATE.match(value) or _SEALED.match(value):
        return None
    if quoted and _REFERENCE.fullmatch(value):
        return None  # "context.eval_ctx", "List.NextMarker": a dotted name, not a secret
    if _DATE.match(value) or (_HEX_ONLY.fullmatch(value) and len(value) < 32 and kwl not in _PASSWORD_KWS):
        return None  # timestamps; short hex ids/hashes ("ff2b807a577495b0")
    if re.sub(r"[_.\-]", "", kwl) in re.sub(r"[_.\-]", "", value.lower()):
        return None  # `CHALLENGE_PASSWORD: "challengePassword"`: the value names the field
    if code and kwl in ("pass", "pwd") and value.isalpha():
        return None  # `allPass: 'overEvery'` (lodash): a short keyword with a word value in code
    if re.match(r"-{1,2}[a-z]", value):
        return None  # a command-line flag (or the FTP "-anonymous@" convention), not a secret
    if "://" in value or value.startswith(("/", "./", "../", "~/")) or re.match(r"[A-Za-z]:\\", value):
        return None
    if "(" in value and re.search(r"[A-Za-z_]\w*\(", value):
        return None
    if value.isdigit() and kwl not in ("password", "passwd", "pwd", "pass", "passphrase"):
        return None
    if (
        re.fullmatch(r"[a-z]+(?:[_\-][a-z]+)*", value)
        and len(value) < 24
        and kwl not in ("password", "passwd", "pwd", "pass", "passphrase")
    ):
        return None  # a lower-case word or slug: an identifier, not a key
    return value, s, e


def _dedupe(raw: list[tuple[SecretRule, int, int, Redacted]]) -> list[tuple[SecretRule, int, int, Redacted]]:
    """Where spans overlap keep the highest-priority (then longest) match, once per span.

    Kept spans never overlap, so a new span only needs checking against its two neighbours in
    start order (bisect): O(n log n) however many hits a hostile file has.
    """
    order = sorted(raw, key=lambda t: (-t[0].priority, -(t[2] - t[1]), t[1], t[0].id))
    kept: list[tuple[SecretRule, int, int, Redacted]] = []
    starts: list[int] = []
    ends: list[int] = []
    for t in order:
        s, e = t[1], t[2]
        k = bisect.bisect_right(starts, s)
        if k > 0 and ends[k - 1] > s:
            continue
        if k < len(starts) and starts[k] < e:
            continue
        starts.insert(k, s)
        ends.insert(k, e)
        kept.append(t)
    kept.sort(key=lambda t: (t[1], t[0].id))
    return kept


class _LineIndex:
    """Line/column of offsets, counted incrementally (hits arrive in offset order)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._off = 0
        self._line = 1

    def position(self, offset: int) -> tuple[int, int]:
        if offset < self._off:
            self._off, self._line = 0, 1
        self._line += self.text.count("\n", self._off, offset)
        self._off = offset
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self._line, offset - line_start + 1

    def line_text(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return self.text[start : end if end >= 0 else len(self.text)]


_IGNORE_IDS = re.compile(r"seawall:ignore(?:[ =:]+((?:SW-SEC-\d+[ ,]*)+))?")


def _ignored_inline(lines: _LineIndex, s: int, e: int, rule_id: str) -> bool:
    """``# seawall:ignore`` (or ``seawall:ignore SW-SEC-050``) on the first or last line of the hit."""
    for off in {s, max(s, e - 1)}:
        line = lines.line_text(off)
        if IGNORE_MARK in line:
            m = _IGNORE_IDS.search(line)
            ids = m.group(1) if m else None
            if not ids or rule_id in re.findall(r"SW-SEC-\d+", ids):
                return True
    return False


def _pair_aws(hits: list[SecretHit]) -> list[SecretHit]:
    """An AWS key id with a secret key in the same buffer is a usable pair: say so on both."""
    first_id = next((h for h in hits if h.rule.name == "aws-access-key-id"), None)
    first_key = next((h for h in hits if h.rule.name == "aws-secret-access-key"), None)
    if first_id is None or first_key is None:
        return hits
    out = []
    for h in hits:
        if h.rule.name == "aws-access-key-id":
            h = SecretHit(
                h.rule, h.line, h.column, h.start, h.end, h.redacted, (*h.extra, ("paired_secret_line", first_key.line))
            )
        elif h.rule.name == "aws-secret-access-key":
            h = SecretHit(
                h.rule, h.line, h.column, h.start, h.end, h.redacted, (*h.extra, ("paired_key_id_line", first_id.line))
            )
        out.append(h)
    return out


def _build_automaton(keywords: list[str]) -> Any:
    """An Aho-Corasick automaton over the keywords (``ahocorasick_rs``, one pass in Rust), or
    None when the accelerator is missing (then each keyword is found with ``str.find``)."""
    try:
        import ahocorasick_rs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - optional accelerator
        return None
    return ahocorasick_rs.AhoCorasick(keywords, matchkind=ahocorasick_rs.MatchKind.Standard)


def scanner_for(config: Any) -> SecretScanner:
    """The scanner for a run's config (rules disabled in ``rules.disable`` are left out)."""
    section = config.section("secrets") if config is not None else {}
    settings = SecretSettings.from_section(section, getattr(config, "source", "") or ".seawall.yaml")
    rules = CATALOGUE
    if config is not None:
        from seawall.rules.registry import REGISTRY

        rules = [r for r in CATALOGUE if config.rule_enabled(REGISTRY.get(r.id).meta)]
    return SecretScanner(rules, settings)


def scrub(scanner: SecretScanner, text: str) -> str:
    """``text`` with every secret the scanner finds replaced by its redacted form: a safety net
    for messages other components build from input (a YAML error may quote the offending token)."""
    hits = scanner.scan_text(text, "", code=False)
    for h in sorted(hits, key=lambda h: h.start, reverse=True):
        text = text[: h.start] + str(h.redacted) + text[h.end :]
    return text
