"""``.seawall.yaml``: rule selection, severity overrides, ignores with reasons and expiry,
per-rule settings, custom CEL rules, and sections owned by other features (secrets, registries,
sensitivity, signatures), which those features read with :meth:`Config.section`.

Example::

    rules:
      disable: [SW-K8S-030]           # or enable: [...] to run only those (globs allowed)
      settings:
        SW-K8S-040: {allowed_registries: ["registry.example.com/*"]}
    severity:
      SW-K8S-012: low
    ignore:
      - rule: SW-K8S-001
        resource: "Deployment/payments/*"   # glob over Kind/namespace/name, or a file path glob
        reason: "legacy app, tracked in JIRA-123"
        expires: 2027-03-31
    custom_rules: [...]                   # see seawall.policy.cel
    rules_dirs: [policies/]
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.errors import PolicyError
from seawall.model.finding import Severity
from seawall.rules.registry import RuleMeta
from seawall.sources.files import DEFAULT_MAX_FILE_BYTES

CONFIG_NAMES = (".seawall.yaml", ".seawall.yml")

#: Longest glob a config or a ``--rule`` option may give. ``fnmatch`` translates a glob in time
#: quadratic in its length (every unclosed ``[`` rescans the rest): a 600 KB ``[a-[a-...`` glob
#: took minutes. Rule ids and paths are far shorter.
MAX_GLOB_CHARS = 4096


def check_glob(pattern: str, where: str, subject: str | None = None) -> str:
    """``pattern`` if it is a usable glob, else a PolicyError naming ``where``."""
    if len(pattern) > MAX_GLOB_CHARS:
        raise PolicyError(f"{where}: glob of {len(pattern):,} characters (at most {MAX_GLOB_CHARS:,})", subject=subject)
    return pattern


@functools.lru_cache(maxsize=1 << 16)
def _glob_re(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def _literal_prefix(pattern: str) -> str:
    cut = min((i for i in (pattern.find(c) for c in "*?[") if i >= 0), default=len(pattern))
    return pattern[:cut]


def glob_match(pattern: str, text: str, prefix: str | None = None) -> bool:
    """``fnmatch.fnmatchcase``, with a literal compared as a string and a glob's literal prefix
    checked before its regex is compiled (lazily, once)."""
    if prefix is None:
        prefix = _literal_prefix(pattern)
    if len(prefix) == len(pattern):
        return text == pattern
    return text.startswith(prefix) and _glob_re(pattern).match(text) is not None


class _GlobSet:
    """Many globs matched at once like ``any(fnmatchcase(text, p) for p in patterns)``: literals
    in a set, the others bucketed by their literal prefix, so a rule id meets only the globs that
    can match it. 50,000 ``rules.disable`` globs, each tried for every rule, ran past two
    minutes (and past fnmatch's 32k-entry cache)."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.literals: set[str] = set()
        self.by_prefix: dict[str, list[str]] = {}
        for pat in patterns:
            prefix = _literal_prefix(pat)
            if len(prefix) == len(pat):
                self.literals.add(pat)
            else:
                self.by_prefix.setdefault(prefix, []).append(pat)

    def matches(self, text: str) -> bool:
        if text in self.literals:
            return True
        for i in range(len(text) + 1):
            for pat in self.by_prefix.get(text[:i], ()):
                if _glob_re(pat).match(text) is not None:
                    return True
        return False


@functools.lru_cache(maxsize=16)
def _glob_set(patterns: tuple[str, ...]) -> _GlobSet:
    return _GlobSet(patterns)


@dataclass(frozen=True, slots=True)
class Ignore:
    rule: str  # rule id or glob
    resource: str  # glob over "Kind/namespace/name" or a file path; "*" = everything
    reason: str
    expires: dt.date | None = None
    # A config may hold thousands of ignores, each consulted for every finding: fnmatch's own
    # cache thrashed past 32k distinct globs, and compiling 100k globs up front took 20 s. The
    # literal prefixes are kept; a regex is compiled only for a glob whose prefix fits.
    _rule_prefix: str = field(default="", init=False, compare=False, repr=False)
    _resource_prefix: str = field(default="", init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rule_prefix", _literal_prefix(self.rule))
        object.__setattr__(self, "_resource_prefix", _literal_prefix(self.resource))

    def matches_rule(self, rule_id: str) -> bool:
        return glob_match(self.rule, rule_id, self._rule_prefix)

    def matches_resource(self, *keys: str) -> bool:
        """Whether the resource glob matches any of ``keys`` (resource key, file path)."""
        return any(glob_match(self.resource, k, self._resource_prefix) for k in keys)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(slots=True)
class Config:
    """Everything that shapes a scan; built by the CLI, passed to :func:`seawall.engine.scan`."""

    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    ignores: tuple[Ignore, ...] = ()
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    custom_rules: list[dict[str, Any]] = field(default_factory=list)
    rules_dirs: tuple[Path, ...] = ()
    baseline: frozenset[str] = frozenset()
    disabled_analyzers: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    debug: bool = False
    # Registry credentials the CLI found (docker config, SEAWALL_REGISTRY_* variables): a callable,
    # so they are only read when a registry is actually contacted. The library never reads the
    # environment itself.
    credentials: Any = None
    today: dt.date = field(default_factory=dt.date.today)
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = ""  # the file the config came from

    def rule_enabled(self, meta: RuleMeta) -> bool:
        if self.disable and _glob_set(self.disable).matches(meta.id):
            return False
        if self.enable:
            enable = _glob_set(self.enable)
            return enable.matches(meta.id) or f"category:{meta.category}" in enable.literals
        return meta.default_enabled

    def analyzer_enabled(self, name: str) -> bool:
        return name not in self.disabled_analyzers

    def rule_setting(self, rule_id: str, key: str, default: Any) -> Any:
        return self.settings.get(rule_id, {}).get(key, default)

    def section(self, name: str) -> dict[str, Any]:
        """A top-level section owned by a feature (``secrets``, ``registries``, ...)."""
        value = self.sections.get(name)
        return value if isinstance(value, dict) else {}


def str_tuple(value: Any, where: str, subject: str | None = None, *,
              expected: str = "a list of strings") -> tuple[str, ...]:
    """Validate a config value that may be absent, one string, or a list of strings.

    Every feature section accepts the same shorthand (``disable: SW-X`` or a list), so they all
    validate it here; ``expected`` keeps each section's own error wording.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{where} must be {expected}", subject=subject)


def glob_tuple(value: Any, where: str, subject: str | None = None) -> tuple[str, ...]:
    """:func:`str_tuple` of globs, each bounded by :data:`MAX_GLOB_CHARS`."""
    return tuple(check_glob(p, where, subject) for p in str_tuple(value, where, subject))


def _date(value: Any, where: str, subject: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PolicyError(f"{where}: expires must be a date like 2027-01-31", subject=subject)


#: Largest ``max_file_size`` (1 TiB): a bigger number only overflows the read calls.
MAX_FILE_SIZE_LIMIT = 1 << 40

KNOWN_SECTIONS = frozenset({"rules", "severity", "ignore", "custom_rules", "rules_dirs", "analyzers", "max_file_size"})
#: Sections other features own; validated by them.
FEATURE_SECTIONS = frozenset(
    {
        "secrets",
        "registries",
        "sensitivity",
        "signatures",
        "freshness",
        "image",
        "vulnerabilities",
        "dockerfile",
        "network",
    }
)


def parse_config(data: Any, subject: str, base_dir: Path) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError("the config must be a mapping", subject=subject)
    unknown = {str(k) for k in data} - KNOWN_SECTIONS - FEATURE_SECTIONS
    if unknown:
        raise PolicyError(f"unknown top-level key(s): {', '.join(sorted(unknown))}", subject=subject)
    for name in sorted(FEATURE_SECTIONS & set(data)):
        if data[name] is not None and not isinstance(data[name], dict):
            # Config.section() would hand the feature {} and the setting would vanish silently
            raise PolicyError(f"'{name}' must be a mapping", subject=subject)
    cfg = Config(source=subject, base_dir=base_dir)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise PolicyError("'rules' must be a mapping", subject=subject)
    cfg.enable = glob_tuple(rules.get("enable"), "rules.enable", subject)
    cfg.disable = glob_tuple(rules.get("disable"), "rules.disable", subject)
    settings = rules.get("settings") or {}
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        raise PolicyError("'rules.settings' must map rule ids to mappings", subject=subject)
    cfg.settings = {str(k): dict(v) for k, v in settings.items()}
    sev = data.get("severity") or {}
    if not isinstance(sev, dict):
        raise PolicyError("'severity' must map rule ids to severities", subject=subject)
    try:
        cfg.severity_overrides = {str(k): Severity.parse(str(v)) for k, v in sev.items()}
    except ValueError as err:
        raise PolicyError(f"severity: {err}", subject=subject) from None
    ignores = []
    raw_ignores = data.get("ignore") or []
    if not isinstance(raw_ignores, list):
        raise PolicyError("'ignore' must be a list", subject=subject)
    for i, item in enumerate(raw_ignores):
        where = f"ignore[{i}]"
        if not isinstance(item, dict):
            raise PolicyError(f"{where} must be a mapping", subject=subject)
        rule = item.get("rule") or item.get("id")
        reason = item.get("reason")
        if not isinstance(rule, str) or not rule:
            raise PolicyError(f"{where}: 'rule' is required", subject=subject)
        if not isinstance(reason, str) or not reason.strip():
            raise PolicyError(f"{where}: a 'reason' is required for every ignore", subject=subject)
        resource = item.get("resource", item.get("path", "*"))
        if not isinstance(resource, str):
            raise PolicyError(f"{where}: 'resource' must be a string glob", subject=subject)
        check_glob(rule, f"{where}: 'rule'", subject)
        check_glob(resource, f"{where}: 'resource'", subject)
        ignores.append(Ignore(rule, resource, reason.strip(), _date(item.get("expires"), where, subject)))
    cfg.ignores = tuple(ignores)
    custom = data.get("custom_rules") or []
    if not isinstance(custom, list):
        raise PolicyError("'custom_rules' must be a list", subject=subject)
    cfg.custom_rules = list(custom)
    cfg.rules_dirs = tuple(base_dir / p for p in str_tuple(data.get("rules_dirs"), "rules_dirs", subject))
    analyzers = data.get("analyzers") or {}
    if not isinstance(analyzers, dict):
        raise PolicyError("'analyzers' must be a mapping", subject=subject)
    cfg.disabled_analyzers = str_tuple(analyzers.get("disable"), "analyzers.disable", subject)
    if "max_file_size" in data:
        mfs = data["max_file_size"]
        if not isinstance(mfs, int) or isinstance(mfs, bool) or mfs <= 0:
            raise PolicyError("'max_file_size' must be a positive number of bytes", subject=subject)
        if mfs > MAX_FILE_SIZE_LIMIT:
            raise PolicyError("'max_file_size' is over 1 TiB", subject=subject)
        cfg.max_file_bytes = mfs
    cfg.sections = {k: v for k, v in data.items() if k in FEATURE_SECTIONS}
    return cfg


def load_config(path: Path | None, search_from: Path | None = None) -> Config:
    """Load ``path``, or ``.seawall.yaml`` found in ``search_from`` (default: cwd), or defaults."""
    if path is None:
        base = search_from or Path.cwd()
        for name in CONFIG_NAMES:
            if (base / name).is_file():
                path = base / name
                break
        else:
            return Config()
    subject = str(path)
    try:  # bounded: -c /dev/zero was read until memory ran out
        with path.open("rb") as fh:
            raw = fh.read(5 * 1024 * 1024 + 1)
    except OSError as err:
        raise PolicyError(err.strerror or str(err), subject=subject) from None
    if len(raw) > 5 * 1024 * 1024:
        raise PolicyError("config file is larger than 5 MiB", subject=subject)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicyError("config is not valid UTF-8", subject=subject) from None
    return parse_config(load_yaml_document(text, subject), subject, path.parent)


def load_yaml_document(text: str, subject: str) -> Any:
    """The one YAML document of a config file, through the manifest loader's guards: an alias
    bomb (a 10 KB file expanding to a billion nodes took 4 GB and never finished), a recursive
    alias, a date that does not exist or an over-long integer is a PolicyError, not a crash."""
    # here, not at import: most scans have no config file, and a source tree no YAML
    from seawall.sources.yamldoc import iter_documents

    docs = []
    for doc in iter_documents(text):
        if doc.error:
            raise PolicyError(doc.error, subject=subject)
        docs.append(doc.value)
        if len(docs) > 1:
            raise PolicyError("expected one YAML document, found several ('---')", subject=subject)
    return docs[0] if docs else None
