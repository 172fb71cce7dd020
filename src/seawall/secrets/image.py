"""Secrets in container images: every regular file of every layer (a secret a later layer
deletes is still in the image and is reported with the layer that holds it), and the image
config (``ENV``, labels, ``history`` created_by lines such as ``ARG``/``ENV``/``RUN`` commands).

Two ways in:

* inside ``seawall scan`` the image analyzer walks each image's layers once; a factory in
  :data:`seawall.analyzers.image.LAYER_FILE_HOOKS` gives it our ``on_layer_file`` callback so the
  secret scan shares that single pass; the image-config rules (SW-IMG-002/003/004: ENV, labels,
  history) use this engine as their detector, so config secrets are reported once, by them;
* :func:`scan_image_layers` scans one opened image on its own (its own streaming pass).

Findings name the image (``Resource.image``) and layer digest (``Resource.layer``), the path
inside the image and the line; the secret is redacted at detection like everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seawall.engine import ScanRun
from seawall.errors import SourceError
from seawall.inventory.imagefs import LayerFile
from seawall.model.finding import Finding, Location, Resource
from seawall.policy.config import Config
from seawall.secrets.engine import SecretScanner, scanner_for
from seawall.secrets.handler import BINARY_SUFFIXES, get_scanner, hit_finding

#: Image paths never scanned: documentation, locales, time zones, CA bundles (public data).
SKIP_PREFIXES = (
    "usr/share/doc/",
    "usr/share/man/",
    "usr/share/info/",
    "usr/share/lintian/",
    "usr/share/locale/",
    "usr/share/i18n/",
    "usr/share/zoneinfo/",
    "usr/share/mime/",
    "usr/share/icons/",
    "usr/share/fonts/",
    "usr/share/terminfo/",
    "usr/share/X11/",
    "etc/ssl/certs/",
    "usr/share/ca-certificates/",
    "var/lib/dpkg/info/",
    "proc/",
    "sys/",
)


def _utf8(text: str) -> str:
    """``text`` with lone surrogates backslash-escaped: config strings come from JSON, where a
    ``"\\udcff"`` escape is valid, and the scanner's keyword automaton only takes UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _reference(image: Any) -> str:
    return str(getattr(image, "reference", "") or getattr(image, "id", "") or "image")


#: Secret findings one image may produce: past it the image is beyond triage, and 50,000
#: files holding a key (a 728 kB gzipped layer) made 100,000 findings, 414 MB of SARIF; a
#: million such files would be gigabytes. Scanning stops and the run is reported incomplete.
MAX_IMAGE_SECRETS = 10_000


def layer_file_scanner(
    scanner: SecretScanner,
    image: Any,
    sink: Callable[[Finding], None],
    on_limit: Callable[[str], None] | None = None,
    max_findings: int = MAX_IMAGE_SECRETS,
) -> Callable[[LayerFile], None]:
    """An ``on_layer_file`` callback that scans each layer file and hands findings to ``sink``;
    after ``max_findings`` findings it stops and calls ``on_limit(message)`` once."""
    ref = _reference(image)
    limit = scanner.settings.max_file_size
    count = [0]

    def on_layer_file(lf: LayerFile) -> None:
        if count[0] > max_findings:  # the limit was hit: scan no more
            return
        e = lf.entry
        path = e.path
        if e.size > limit or path.startswith(SKIP_PREFIXES):
            return
        dot = path.rfind(".")
        if dot > path.rfind("/") and path[dot:].lower() in BINARY_SUFFIXES:
            return
        data = lf.read(limit)
        if not data or b"\x00" in data[:8192]:
            return
        text = data.decode("utf-8", errors="replace")
        for h in scanner.scan_text(text, path):
            count[0] += 1
            if count[0] > max_findings:
                if on_limit is not None:
                    on_limit(f"more than {max_findings} secrets in the image's layers: the rest are not reported")
                return
            layer = f"layer {e.layer_index + 1}"
            sink(
                hit_finding(
                    h,
                    Resource(image=ref, layer=e.layer_digest),
                    Location(path, h.line),
                    f"{path} ({layer})",
                )
            )

    return on_layer_file


def config_findings(scanner: SecretScanner, image: Any) -> list[Finding]:
    """Secrets in the image config: ``Env`` entries, labels and ``history[].created_by``."""
    ref = _reference(image)
    cfg = getattr(image, "config", None)
    if not isinstance(cfg, dict):
        return []
    raw_inner = cfg.get("config")
    inner: dict[str, Any] = raw_inner if isinstance(raw_inner, dict) else {}
    out: list[Finding] = []
    pseudo = f"{ref} (image config)"

    def scan(text: str, pointer: str, where: str, name: str) -> None:
        for h in scanner.scan_text(_utf8(text), f"{name}", code=False):
            out.append(hit_finding(h, Resource(image=ref), Location(pseudo, 0, pointer), where))

    for i, env in enumerate(inner.get("Env") or []):
        if isinstance(env, str) and "=" in env:
            scan(env, f"/config/Env/{i}", f"ENV {env.split('=', 1)[0]}", "image-config.env")
    labels = inner.get("Labels") if isinstance(inner.get("Labels"), dict) else {}
    for key, value in (labels or {}).items():
        if isinstance(value, str):
            scan(f"{key}: {value}", f"/config/Labels/{key}", f"label {key}", "image-config.labels")
    for i, hist in enumerate(cfg.get("history") or []):
        if isinstance(hist, dict) and isinstance(hist.get("created_by"), str):
            scan(hist["created_by"], f"/history/{i}/created_by", f"history step {i + 1}", "image-config.history")
    return out


def scan_image_layers(image: Any, config: Config | None = None) -> list[Finding]:
    """Every secret in ``image`` (an opened :class:`seawall.sources.image.model.Image`): all files
    of all layers plus the config. Streams each layer once; raises SourceError on a bad image."""
    from seawall.inventory.imagefs import squash

    scanner = scanner_for(config or Config())
    found: list[Finding] = []
    squash(
        image,
        wants=lambda _p: False,
        on_layer_file=layer_file_scanner(scanner, image, found.append, _raise_at_limit(image)),
        layer_file_limit=scanner.settings.max_file_size,
    )
    found.extend(config_findings(scanner, image))
    return found


def _raise_at_limit(image: Any) -> Callable[[str], None]:
    def at_limit(why: str) -> None:
        raise SourceError(why, subject=_reference(image))

    return at_limit


def _hook_factory(run: Any, image: Any) -> Callable[[LayerFile], None] | None:
    """Share the image analyzer's single pass (only inside ``seawall scan``, where a run exists).

    The image config is not scanned here: the image rules SW-IMG-002/003/004 report ENV, label
    and history secrets, with this engine as their detector (see :func:`config_detector`)."""
    if not isinstance(run, ScanRun) or not any(run.enabled(r.id) for r in get_scanner(run).rules):
        return None
    return layer_file_scanner(get_scanner(run), image, run.add, lambda why: run.error(_reference(image), why))


_CONFIG_SCANNER: list[SecretScanner] = []


def config_detector(name: str, value: str) -> list[Any]:
    """The detector of the image-config rules (``seawall.rules.image.secrets``): ``name=value``
    for ENV/labels/assignments, free text when ``name`` is empty. Returns their hit type.

    When this engine finds nothing, the rules' built-in detector still has its say (it keys on
    secret-looking variable names alone), so plugging the engine in only adds detections."""
    from seawall.rules.image.secrets import SecretHit as ImageSecretHit
    from seawall.rules.image.secrets import default_detector

    if not _CONFIG_SCANNER:
        _CONFIG_SCANNER.append(SecretScanner())
    text = _utf8(f"{name}={value}" if name else value)
    mine = [ImageSecretHit(h.rule.title, str(h.redacted)) for h in _CONFIG_SCANNER[0].scan_text(text, "", code=False)]
    return mine or list(default_detector(name, value))


def register() -> None:
    from seawall.analyzers.image import LAYER_FILE_HOOKS
    from seawall.rules.image.secrets import set_detector

    if _hook_factory not in LAYER_FILE_HOOKS:
        LAYER_FILE_HOOKS.append(_hook_factory)
    set_detector(config_detector)


register()
