"""``seawall scan DIR`` looks for secrets in every text file of the tree.

A FILE_HANDLERS entry that claims every file: key stores are reported by name, binary files
(a NUL byte in the first 8 KiB, or a media/archive suffix) and files over the size limit are
skipped, everything else is decoded (invalid UTF-8 replaced, so offsets stay meaningful) and
scanned. One :class:`~seawall.secrets.engine.SecretScanner` is built per run and reused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seawall.engine import FILE_HANDLERS, LAST_READ_KEY, ScanRun, make_finding
from seawall.model.finding import Finding, Location, Resource, Severity
from seawall.rules.registry import REGISTRY
from seawall.secrets.engine import SecretHit, SecretScanner, scanner_for
from seawall.secrets.rules.keys import PATH_RULES
from seawall.sources.files import InputPath, read_at_most

SCANNER_KEY = "secrets.scanner"
FILE_HITS_KEY = "secrets.file_findings"  # path -> list of text findings (for k8s de-duplication)

#: Suffixes never read as text (media, fonts, archives, compiled objects).
BINARY_SUFFIXES = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".webp",
        ".tif",
        ".tiff",
        ".svgz",
        ".mp3",
        ".mp4",
        ".mov",
        ".avi",
        ".wav",
        ".ogg",
        ".flac",
        ".webm",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".zst",
        ".7z",
        ".rar",
        ".tar",
        ".jar",
        ".war",
        ".ear",
        ".whl",
        ".egg",
        ".so",
        ".dll",
        ".dylib",
        ".exe",
        ".o",
        ".a",
        ".class",
        ".pyc",
        ".pyo",
        ".bin",
        ".dat",
        ".db",
        ".sqlite",
        ".p12",
        ".pfx",
        ".jks",
        ".keystore",
        ".iso",
        ".img",
        ".qcow2",
        ".vmdk",
        ".deb",
        ".rpm",
        ".apk",
    ]
)


def get_scanner(run: ScanRun) -> SecretScanner:
    sc = run.inventory.extra.get(SCANNER_KEY)
    if not isinstance(sc, SecretScanner):
        sc = scanner_for(run.config)
        run.inventory.extra[SCANNER_KEY] = sc
    return sc


def hit_finding(
    hit: SecretHit,
    resource: Resource,
    location: Location,
    where: str = "",
) -> Finding:
    """The Finding for a redacted hit; the message names the rule and the redacted form only."""
    meta = REGISTRY.get(hit.rule.id).meta
    paired = any(k.startswith("paired_") for k, _ in hit.extra)
    severity = Severity.CRITICAL if paired else None
    msg = f"{meta.title} ({hit.redacted})"
    if where:
        msg += f" in {where}"
    if paired:
        msg += "; the AWS key id and its secret key are both present"
    return make_finding(
        meta,
        msg,
        resource,
        location,
        evidence=str(hit.redacted),
        severity=severity,
        extra=(
            ("secret_sha256", hit.redacted.digest),
            ("column", hit.column),
            ("secret_type", hit.rule.name),
            *hit.extra,
        ),
    )


def scan_text_into(
    run: ScanRun, text: str, path: str, resource: Resource | None = None, base_line: int = 0, where: str = ""
) -> list[Finding]:
    """Scan a text buffer and add its findings to ``run``; returns them."""
    out = []
    for h in get_scanner(run).scan_text(text, path):
        f = hit_finding(h, resource or Resource(), Location(path, base_line + h.line), where)
        run.add(f)
        out.append(f)
    return out


class SecretFileHandler:
    name = "secrets"
    scans_streams = True  # stdin and pipes: the bytes the engine read (see engine.FileHandler)

    def claims_file(self, path: Path) -> bool:
        return str(path) != "-"

    def claims_dir(self, path: Path) -> bool:
        return False

    def scan(self, item: InputPath, run: ScanRun) -> None:
        if item.is_dir:
            return
        read = run.inventory.extra.get(LAST_READ_KEY)
        if item.read_once and not (isinstance(read, tuple) and read[0] is item):
            return  # stdin or a pipe the engine could not read: it cannot be read a second time
        path = item.display
        for rx, rid in PATH_RULES:
            if rx.search(path) and run.enabled(rid):
                meta = REGISTRY.get(rid).meta
                run.add(make_finding(meta, f"{meta.title}: {path}", Resource(), Location(path, 0)))
        if item.path.suffix.lower() in BINARY_SUFFIXES:
            return
        scanner = get_scanner(run)
        if scanner.path_ignored(path):
            return
        limit = min(scanner.settings.max_file_size, run.config.max_file_bytes)
        if isinstance(read, tuple) and read[0] is item:
            data = read[1]  # the engine read this manifest already (all of it: it is within its limit)
            if len(data) > limit:
                run.report.skipped.append((path, f"secret scan: file is over {limit} bytes"))
                return
        else:
            try:
                size = item.path.stat().st_size
                if size > limit:
                    run.report.skipped.append((path, f"secret scan: file is over {limit} bytes"))
                    return
                with item.path.open("rb") as fh:
                    data = read_at_most(fh, limit, size)
            except OSError as err:
                run.error(path, f"secret scan: cannot read: {err.strerror or type(err).__name__}")
                return
        if b"\x00" in data[:8192]:
            return
        text = data.decode("utf-8", errors="replace")
        found = scan_text_into(run, text, path)
        if found:
            store: dict[str, Any] = run.inventory.extra.setdefault(FILE_HITS_KEY, {})
            store.setdefault(path, []).extend(found)


HANDLER = SecretFileHandler()
FILE_HANDLERS.append(HANDLER)
