"""Import the rule families, file handlers and analyzers a scan needs, each exactly once.

Adding a family: create its module and add one import line to ``_MODULES`` (and, to let a rule
selection skip it, one line to ``_REPORTS``). Nothing else registers rules.

``load()`` imports every module. ``load(config)`` imports only the modules that can report a rule
the config selects (``--rule 'SW-SEC-*'``, ``rules.enable``): a secrets-only scan then does not
pay for importing (nor running) the RBAC graph, the network-policy model, the Dockerfile linter,
the vulnerability matcher... :func:`active` names those modules, and the engine runs only the
handlers and analyzers defined in them, so a scan reports the same whether the other modules
happen to be imported (a long-lived process, the test suite) or not.

A full scan imports every module listed here, so each must be cheap to import: it registers its
rules and hooks at import and imports its machinery (a registry client, the signature verifier,
the vulnerability store...) inside the function that first has work for it. A manifest scan then
never loads cryptography, http.client, ssl, sqlite3 or tarfile (tests/unit/core/
test_plugins_index.py checks it).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_MODULES: tuple[str, ...] = (
    "seawall.rules.workload.hardening_securitycontext",
    "seawall.rules.workload.hardening_resources",
    "seawall.rules.workload.hardening_probes",
    "seawall.rules.workload.hardening_images",
    "seawall.rules.workload.hardening_serviceaccount",
    "seawall.rules.workload.hardening_env",
    "seawall.rules.workload.hardening_volumes",
    "seawall.rules.workload.hardening_pod",
    "seawall.rules.k8s.namespaces",
    "seawall.rules.k8s.services",
    "seawall.rules.k8s.ingress",
    "seawall.rules.k8s.configmaps",
    "seawall.rules.k8s.apiversions",
    "seawall.rules.rbac.roles",
    "seawall.rules.rbac.access",
    "seawall.analyzers.rbac",
    "seawall.rules.isolation.sensitive",
    "seawall.analyzers.isolation",
    "seawall.analyzers.posture",
    "seawall.rules.network.netpol",
    "seawall.analyzers.netpol",
    "seawall.secrets.handler",
    "seawall.analyzers.secrets",
    "seawall.rules.workload.pss",
    "seawall.analyzers.admission",
    "seawall.dockerfile.handler",
    "seawall.sources.image.handler",
    "seawall.rules.image.config",
    "seawall.rules.image.secrets",
    "seawall.rules.image.contents",
    "seawall.analyzers.image",
    "seawall.secrets.image",
    "seawall.analyzers.vulnerabilities",
    "seawall.analyzers.signatures",
    "seawall.rules.supply_chain.trusted_registries",
    "seawall.rules.supply_chain.runtime_config",
    "seawall.analyzers.freshness",
    "seawall.analyzers.combined",
)

#: Module -> the rule-id prefixes of every finding it can produce: the rules it registers, the
#: findings its analyzer or handler builds, and the families whose input it reads for them (the
#: image file handler and image analyzer feed image, layer-secret, vulnerability... rules). "*":
#: any rule (it joins other families' findings). A module missing here is always loaded.
#: tests/unit/core/test_plugins_index.py checks this against what the modules really register.
_REPORTS: dict[str, tuple[str, ...]] = {
    "seawall.rules.workload.hardening_securitycontext": ("SW-K8S-",),
    "seawall.rules.workload.hardening_resources": ("SW-K8S-",),
    "seawall.rules.workload.hardening_probes": ("SW-K8S-",),
    "seawall.rules.workload.hardening_images": ("SW-K8S-",),
    "seawall.rules.workload.hardening_serviceaccount": ("SW-K8S-",),
    "seawall.rules.workload.hardening_env": ("SW-K8S-",),
    "seawall.rules.workload.hardening_volumes": ("SW-K8S-",),
    "seawall.rules.workload.hardening_pod": ("SW-K8S-",),
    "seawall.rules.k8s.namespaces": ("SW-K8S-",),
    "seawall.rules.k8s.services": ("SW-K8S-",),
    "seawall.rules.k8s.ingress": ("SW-K8S-",),
    "seawall.rules.k8s.configmaps": ("SW-K8S-",),
    "seawall.rules.k8s.apiversions": ("SW-K8S-",),
    "seawall.rules.rbac.roles": ("SW-RBAC-",),
    "seawall.rules.rbac.access": ("SW-RBAC-",),
    "seawall.analyzers.rbac": ("SW-RBAC-",),
    "seawall.rules.isolation.sensitive": ("SW-ISO-",),
    "seawall.analyzers.isolation": ("SW-ISO-",),
    # the posture summary is computed by the engine when a workload rule runs (see engine._scan)
    "seawall.analyzers.posture": ("SW-K8S-", "SW-PSS-"),
    "seawall.rules.network.netpol": ("SW-NET-",),
    "seawall.analyzers.netpol": ("SW-NET-",),
    "seawall.secrets.handler": ("SW-SEC-",),
    "seawall.analyzers.secrets": ("SW-SEC-",),
    "seawall.rules.workload.pss": ("SW-PSS-",),
    "seawall.analyzers.admission": ("SW-POL-",),
    "seawall.dockerfile.handler": ("SW-DF-",),
    "seawall.sources.image.handler": ("SW-IMG-", "SW-SEC-", "SW-VULN-", "SW-SUP-", "SW-FRESH-"),
    "seawall.rules.image.config": ("SW-IMG-",),
    "seawall.rules.image.secrets": ("SW-IMG-",),
    "seawall.rules.image.contents": ("SW-IMG-",),
    "seawall.analyzers.image": ("SW-IMG-", "SW-SEC-", "SW-VULN-", "SW-SUP-", "SW-FRESH-"),
    "seawall.secrets.image": ("SW-SEC-", "SW-IMG-"),
    "seawall.analyzers.vulnerabilities": ("SW-VULN-",),
    "seawall.analyzers.signatures": ("SW-SUP-",),
    "seawall.rules.supply_chain.trusted_registries": ("SW-SUP-",),
    "seawall.rules.supply_chain.runtime_config": ("SW-SUP-",),
    "seawall.analyzers.freshness": ("SW-FRESH-",),
    "seawall.analyzers.combined": ("SW-RISK-", "*"),
}

#: Analyzers that never read the parsed manifests (``inventory.objects``/``workloads``).
_OBJECT_FREE_ANALYZERS = frozenset({"secrets-scrub", "image"})

#: Analyzers that read manifests only for findings a look at the raw text can rule out: analyzer
#: name -> "module:function"; ``function(run)`` returns ``wants(text) -> bool``, False only when
#: parsing that manifest cannot change the analyzer's findings (see :func:`manifest_filter`).
_MANIFEST_PREFILTERS: dict[str, str] = {"secrets": "seawall.secrets.prefilter:manifest_prefilter"}

#: Manifest text that policy reads whatever rules run: ignore annotations (which also warn when
#: they carry no reason).
_POLICY_MARKER = "seawall.io/ignore"

#: The NIST SP 800-190 countermeasures at least one rule serves, whichever module registers it
#: (tests/unit/core/test_plugins_index.py checks it against the full registry). After a narrow
#: scan the JSON summary tells PASS from MANUAL with it instead of importing every module.
_SERVED_COUNTERMEASURES = frozenset(
    {
        "4.1.1",
        "4.1.2",
        "4.1.3",
        "4.1.4",
        "4.1.5",
        "4.2.1",
        "4.2.2",
        "4.2.3",
        "4.3.1",
        "4.3.2",
        "4.3.3",
        "4.3.4",
        "4.4.1",
        "4.4.2",
        "4.4.3",
        "4.4.4",
        "4.4.5",
        "4.5.2",
        "4.5.3",
        "4.5.5",
    }
)

#: Modules that act on one kind of input only: a scan imports them once a file handler has read
#: such an input (the ``inventory.extra`` key it fills), see :func:`load_for_inputs`. A scan of a
#: source tree then does not import the image analysis.
_ON_INPUT: dict[str, tuple[str, ...]] = {"images": ("seawall.analyzers.image", "seawall.secrets.image")}
_DEFERRED = frozenset(m for ms in _ON_INPUT.values() for m in ms)

_loaded: set[str] = set()
_active_cache: dict[tuple[Any, ...], tuple[str, ...]] = {}


def _literal_prefix(pattern: str) -> str:
    """The part of a rule-id glob before its first wildcard ("SW-SEC-*" -> "SW-SEC-")."""
    cut = min((i for i in (pattern.find(c) for c in "*?[") if i >= 0), default=len(pattern))
    return pattern[:cut]


def active(config: Any = None) -> tuple[str, ...]:
    """The modules a scan with ``config`` needs, in ``_MODULES`` order (all of them without a
    config, without an ``enable`` selection, with a ``category:`` selection or custom rules).

    Conservative by construction: a module is left out only when no selected pattern can match an
    id with any of its prefixes (``rules.disable`` never removes a module)."""
    enable = tuple(getattr(config, "enable", ()) or ())
    key = (enable, bool(getattr(config, "custom_rules", None)), bool(getattr(config, "rules_dirs", None)))
    if config is not None and key in _active_cache:
        return _active_cache[key]
    out = _active(config, enable)
    if config is not None:
        _active_cache[key] = out
    return out


def _active(config: Any, enable: tuple[str, ...]) -> tuple[str, ...]:
    if (
        config is None
        or not enable
        or getattr(config, "custom_rules", None)
        or getattr(config, "rules_dirs", None)
        or any(p.startswith("category:") for p in enable)
    ):
        return _MODULES
    lits = [_literal_prefix(p) for p in enable]

    def wanted(module: str) -> bool:
        prefixes = _REPORTS.get(module)
        if prefixes is None:
            return True
        return any(lit.startswith(x) or x.startswith(lit) for lit in lits for x in prefixes if x != "*")

    out = tuple(m for m in _MODULES if wanted(m))
    if any("*" in _REPORTS.get(m, ()) for m in out):
        return _MODULES  # a module that joins every family's findings needs them all
    return out


def load(config: Any = None) -> None:
    """Import the modules :func:`active` names for ``config`` (all of them by default); with a
    config (a scan), those that act on one kind of input wait for :func:`load_for_inputs`."""
    for name in active(config):
        if name not in _loaded and (config is None or name not in _DEFERRED):
            importlib.import_module(name)
            _loaded.add(name)


def load_for_inputs(run: Any) -> None:
    """Import the active modules for the kinds of input the run has read (e.g. images)."""
    mods = active(run.config)
    for key, names in _ON_INPUT.items():
        if run.inventory.extra.get(key):
            for name in names:
                if name in mods and name not in _loaded:
                    importlib.import_module(name)
                    _loaded.add(name)


def defined_in_active(obj: Any, modules: tuple[str, ...]) -> bool:
    """Whether a handler or analyzer function ``obj`` comes from one of ``modules`` (or from a
    module outside the plugin list, e.g. one a test registered)."""
    mod = getattr(obj, "__module__", None)
    return mod in modules or mod not in _REPORTS


def runnable_analyzers(run: Any) -> list[tuple[str, Callable[[Any], Iterable[Any]]]]:
    """The analyzers a run executes, in order (every plain analyzer, then the joining ones): those
    defined in an active module, enabled in the config, and with an enabled rule among the
    prefixes they report (an analyzer without declared prefixes always runs)."""
    from seawall.engine import ANALYZER_RULES, ANALYZERS, JOIN_ANALYZERS
    from seawall.rules.registry import REGISTRY

    config = run.config
    mods = active(config)
    out = []
    for group in (ANALYZERS, JOIN_ANALYZERS):
        # in module order, as a full load registers them, whatever order the modules came in
        for name, fn in sorted(group.items(), key=lambda item: _module_index(item[1])):
            if not config.analyzer_enabled(name) or not defined_in_active(fn, mods):
                continue
            prefixes = ANALYZER_RULES.get(name)
            if prefixes and not any(r.meta.id.startswith(prefixes) and config.rule_enabled(r.meta) for r in REGISTRY):
                continue
            out.append((name, fn))
    return out


def _module_index(fn: Any) -> int:
    mod = getattr(fn, "__module__", None)
    return _MODULES.index(mod) if mod in _MODULES else len(_MODULES)


def manifest_filter(run: Any) -> Callable[[str], bool] | None:
    """``wants(text)``: whether a manifest must be parsed, or None when every manifest must be.

    A manifest is parsed for the object and pod rules, the analyzers and policy (ignore
    annotations). When no object or pod rule is enabled and every analyzer that runs either never
    reads manifests or has a prefilter (``--rule 'SW-SEC-*'``: the secrets analyzer), a manifest
    whose text none of them wants, or that cannot hold a Kubernetes object (no ``apiVersion`` or
    no ``kind`` in it), is not parsed: no enabled rule could report anything from it. Its text is
    still scanned by the file handlers (the secret scan reads every file); what is lost is what
    only parsing tells: its invalid YAML and non-Kubernetes documents are not reported."""
    from seawall.rules.registry import REGISTRY

    config = run.config
    for target in ("pod", "object"):
        if any(config.rule_enabled(r.meta) for r in REGISTRY.for_target(target)):
            return None
    wants: list[Callable[[str], bool]] = []
    for name, _fn in runnable_analyzers(run):
        if name in _OBJECT_FREE_ANALYZERS:
            continue
        spec = _MANIFEST_PREFILTERS.get(name)
        if spec is None:
            return None
        module, _, func = spec.partition(":")
        wants.append(getattr(importlib.import_module(module), func)(run))

    def wanted_form(text: str) -> bool:
        if "apiVersion" not in text or "kind" not in text:
            return False  # no Kubernetes object in it (a README, an OpenAPI document, a values file)
        return _POLICY_MARKER in text or any(w(text) for w in wants)

    def wanted(text: str) -> bool:
        return any(wanted_form(form) for form in escape_forms(text))

    return wanted


#: One escape sequence of a YAML double-quoted scalar or a JSON string (a superset of both).
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|\r?\n[ \t]*|[\s\S])")
_SIMPLE_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip


def _unescape(m: re.Match[str]) -> str:
    seq = m.group(1)
    if seq[0] in "xuU" and len(seq) > 1:
        return chr(min(int(seq[1:], 16), 0x10FFFF))
    if seq[0] in "\r\n":
        return ""  # an escaped line break joins the lines
    return _SIMPLE_ESCAPES.get(seq, seq)


def escape_forms(text: str) -> list[str]:
    """``text`` and, when it has a backslash, the text with its escape sequences decoded once and
    twice (a YAML double-quoted scalar; a JSON string inside one, e.g. the
    ``last-applied-configuration`` annotation, the deepest the object path decodes).

    Decoding the whole file is right inside every double-quoted scalar (one cannot start right
    after a backslash) and merely adds text elsewhere, where the raw form is the true one: so
    every scalar's content, as the parser would give it, is in one of the forms, which is what
    the manifest prefilters need (they then see no escapes)."""
    if "\\" not in text:
        return [text]
    once = _ESCAPE.sub(_unescape, text)
    return [text, once, _ESCAPE.sub(_unescape, once)] if "\\" in once else [text, once]


@dataclass(frozen=True, slots=True)
class ServedBy:
    """Stands for the rules of a module that is not loaded, in :func:`countermeasure_rules`."""

    id: str
    nist_countermeasure: tuple[str, ...]


def countermeasure_rules() -> list[Any]:
    """What :func:`seawall.reporters.compliance.evaluate` reads of every rule (``id``,
    ``nist_countermeasure``), without importing the modules a narrow scan left out: the registered
    rules, plus one :class:`ServedBy` for each countermeasure only such modules serve. The
    statuses (FAIL / PASS / MANUAL) are then the same as with every module loaded."""
    from seawall.rules.registry import REGISTRY

    metas: list[Any] = list(REGISTRY.metas())
    have = {cm for m in metas for cm in m.nist_countermeasure}
    metas.extend(ServedBy("(module not loaded)", (cm,)) for cm in sorted(_SERVED_COUNTERMEASURES - have))
    return metas
