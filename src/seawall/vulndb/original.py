"""Original-format distro feeds, imported where they add what the OSV bundles lack.

* **dpkg OVAL** (Canonical USN OVAL ``com.ubuntu.<codename>.usn.oval.xml``, Debian
  ``oval-definitions-<codename>.xml[.bz2]``): Ubuntu has no OSV bundle here at all, so this is
  where ``Ubuntu:22.04`` / ``Ubuntu:24.04`` advisories come from. USN OVAL names *binary*
  packages (the matcher looks Ubuntu packages up by source and binary name); Debian OVAL names
  source packages and encodes "unfixed" as ``less than 0:0``. Debian's OVAL is already inside
  the Debian OSV bundle (converted), so importing it again only refreshes the same facts.
* **Alpine secdb** (``<branch>/<repo>.json``): adds ``edge``, which the OSV conversion dropped.
  Secfixes version ``0`` means "never affected" and is skipped.
* **Debian security tracker lists** (``DSA-list``, ``DLA-list``, ``DTSA-list``): the same facts
  the OSV bundle converted; importing a newer tracker checkout refreshes them.

Every feed turns into the same rows as an OSV record (an advisory with aliases, severity
vectors and ``affected`` entries with ``introduced 0`` / ``fixed``), through
:func:`seawall.vulndb.importer.rows_from_osv`, so the matcher has one data model.
XML is parsed incrementally (``iterparse``, elements cleared as they are consumed) with the
standard library's expat, which refuses external entities and bounds entity expansion.
"""

from __future__ import annotations

import bz2
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from seawall.errors import SourceError
from seawall.vulndb import jsontext

if TYPE_CHECKING:  # pragma: no cover
    from seawall.vulndb.importer import Progress, SourceStats
    from seawall.vulndb.store import Builder

Feed = Callable[[Path, "Builder", "Progress | None"], "SourceStats"]

MAX_FEED_BYTES = 512 * 1024 * 1024
_TRACKER_LISTS = ("DSA-list", "DLA-list", "DTSA-list")


def detect(path: Path) -> Feed | None:
    """The importer for an original-format feed at ``path`` (file or directory), or None."""
    name = path.name
    if path.is_file():
        if name.endswith((".xml", ".xml.bz2")) and "oval" in name:
            return import_oval
        if name in _TRACKER_LISTS:
            return import_tracker
        return None
    if not path.is_dir():
        return None
    if any(path.glob("v*/main.json")) or (path / "edge" / "main.json").is_file():
        return import_secdb
    if any((path / n).is_file() for n in _TRACKER_LISTS):
        return import_tracker
    if any(p.name.endswith((".xml", ".xml.bz2")) and "oval" in p.name for p in path.iterdir()):
        return import_oval
    return None


def _stats(name: str, location: str, kind: str) -> SourceStats:
    from seawall.vulndb.importer import SourceStats

    return SourceStats(name, location, kind)


def _sink(builder: Builder, stats: SourceStats) -> Any:
    from seawall.vulndb.importer import _Sink

    return _Sink(builder, stats)


# -- dpkg OVAL (Ubuntu USN, Debian) -------------------------------------------------------------
_NS_DEF = "{http://oval.mitre.org/XMLSchema/oval-definitions-5}"
_NS_LINUX = "{http://oval.mitre.org/XMLSchema/oval-definitions-5#linux}"
_UBUNTU_PLATFORM = re.compile(r"Ubuntu (\d+\.\d+)")
_DEBIAN_PLATFORM = re.compile(r"Debian GNU/Linux (\d+)")


class _Capped(io.RawIOBase):
    """A stream that fails once more than ``limit`` bytes came out of it: the file size check
    does not bound a bz2 file (2.5 KB expanded to 3.2 GB of XML text: 3.3 GB of memory)."""

    def __init__(self, fh: IO[bytes], limit: int, subject: str) -> None:
        self._fh, self._left, self._subject = fh, limit, subject

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._fh.read(min(len(view), self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise SourceError(f"feed larger than {MAX_FEED_BYTES >> 20} MiB once decompressed", subject=self._subject)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def _open(path: Path) -> IO[bytes]:
    if path.stat().st_size > MAX_FEED_BYTES:
        raise SourceError("feed file larger than the limit", subject=str(path))
    if path.suffix != ".bz2":
        return path.open("rb")
    return io.BufferedReader(_Capped(bz2.open(path, "rb"), MAX_FEED_BYTES, str(path)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _oval_records(path: Path) -> Iterator[dict[str, Any]]:
    """OSV-shaped records from one dpkg OVAL file."""
    defs: list[dict[str, Any]] = []
    tests: dict[str, tuple[str, str]] = {}
    objects: dict[str, tuple[list[str], str]] = {}
    states: dict[str, str] = {}
    variables: dict[str, list[str]] = {}
    with _open(path) as fh:
        try:
            for _event, el in ET.iterparse(fh, events=("end",)):
                tag = _local(el.tag)
                if tag == "definition":
                    defs.append(_definition(el))
                    el.clear()
                elif tag == "dpkginfo_test":
                    obj = el.find(f"{_NS_LINUX}object")
                    ste = el.find(f"{_NS_LINUX}state")
                    if obj is None:
                        obj = el.find("{*}object")
                    if ste is None:
                        ste = el.find("{*}state")
                    if obj is not None and ste is not None:
                        tests[el.get("id", "")] = (obj.get("object_ref", ""), ste.get("state_ref", ""))
                    el.clear()
                elif tag == "dpkginfo_object":
                    name = el.find("{*}name")
                    if name is not None:
                        objects[el.get("id", "")] = ([name.text.strip()] if name.text and name.text.strip() else [],
                                                     name.get("var_ref", ""))
                    el.clear()
                elif tag == "dpkginfo_state":
                    evr = el.find("{*}evr")
                    if evr is not None and evr.text and evr.get("operation", "") == "less than":
                        states[el.get("id", "")] = evr.text.strip()
                    el.clear()
                elif tag == "constant_variable":
                    variables[el.get("id", "")] = [v.text.strip() for v in el.findall("{*}value") if v.text]
                    el.clear()
        except ET.ParseError as err:
            raise SourceError(f"not a readable OVAL file ({err})", subject=str(path)) from None
        except (OSError, EOFError, ValueError) as err:
            raise SourceError(f"cannot read ({err})", subject=str(path)) from None
    # newer USN OVAL leaves <platform> out; the release is then named by the inventory definition
    # ("Check that Ubuntu 24.04 LTS (noble) is installed.") that every patch extends
    file_eco = next((d["ecosystem"] for d in defs if d["ecosystem"]), "")
    if not file_eco:
        for d in defs:
            m = _UBUNTU_PLATFORM.search(d["title"]) or _DEBIAN_PLATFORM.search(d["title"])
            if m:
                file_eco = f"{'Ubuntu' if 'Ubuntu' in d['title'] else 'Debian'}:{m.group(1)}"
                break
    for d in defs:
        eco = d["ecosystem"] or file_eco
        if not eco:
            continue
        affected: list[dict[str, Any]] = []
        for test_ref in d["tests"]:
            obj_ref, state_ref = tests.get(test_ref, ("", ""))
            if obj_ref not in objects or state_ref not in states:
                continue
            names, var_ref = objects[obj_ref]
            names = names or variables.get(var_ref, [])
            evr_text = states[state_ref]
            fixed = evr_text[2:] if evr_text.startswith("0:") else evr_text
            events: list[dict[str, str]] = [{"introduced": "0"}]
            spec: dict[str, str] = {}
            if fixed in ("0", ""):  # "less than 0:0": not fixed in this release
                spec["status"] = "unfixed"
            else:
                events.append({"fixed": fixed})
            for n in names:
                affected.append({"package": {"ecosystem": eco, "name": n},
                                 "ranges": [{"type": "ECOSYSTEM", "events": events}],
                                 "ecosystem_specific": spec or None})
        if affected:
            yield {
                "id": d["id"], "aliases": d["aliases"], "summary": d["title"], "modified": d["date"],
                "severity": d["severity"], "database_specific": {"severity": d["rating"]} if d["rating"] else None,
                "references": [{"type": "ADVISORY", "url": d["url"]}] if d["url"] else [],
                "affected": affected,
            }


def _definition(el: ET.Element) -> dict[str, Any]:
    meta = el.find(f"{_NS_DEF}metadata")
    title = ""
    platform = ""
    refs: list[tuple[str, str, str]] = []
    severity: list[dict[str, str]] = []
    rating = ""
    date = ""
    if meta is not None:
        title = (meta.findtext(f"{_NS_DEF}title") or "").strip()
        platform = (meta.findtext(f"{_NS_DEF}affected/{_NS_DEF}platform") or "").strip()
        for r in meta.findall(f"{_NS_DEF}reference"):
            refs.append((r.get("source", ""), r.get("ref_id", ""), r.get("ref_url", "")))
        adv = meta.find(f"{_NS_DEF}advisory")
        if adv is not None:
            rating = (adv.findtext(f"{_NS_DEF}severity") or "").strip()
            issued = adv.find(f"{_NS_DEF}issued")
            date = f"{issued.get('date', '')}T00:00:00Z" if issued is not None and issued.get("date") else ""
            for cve in adv.findall(f"{_NS_DEF}cve"):
                vec = cve.get("cvss_vector", "")
                if vec.startswith("CVSS:"):
                    severity.append({"type": "CVSS_V4" if vec.startswith("CVSS:4") else "CVSS_V3", "score": vec})
    m = _UBUNTU_PLATFORM.search(platform)
    eco = f"Ubuntu:{m.group(1)}" if m else ""
    if not eco:
        m = _DEBIAN_PLATFORM.search(platform)
        eco = f"Debian:{m.group(1)}" if m else ""
    usn = next((r for r in refs if r[0] == "USN"), None)
    cves = [r[1] for r in refs if r[0] == "CVE" and r[1]]
    if usn is not None:
        adv_id, url = usn[1], usn[2]
    else:
        first = title.split(" ", 1)[0]
        adv_id = f"DEBIAN-{first}" if first.startswith("CVE-") else (el.get("id", "") or title)
        url = f"https://security-tracker.debian.org/tracker/{first}" if first.startswith("CVE-") else ""
    tests = [c.get("test_ref", "") for c in el.iter(f"{_NS_DEF}criterion")]
    return {"id": adv_id, "aliases": [c for c in cves if c != adv_id], "title": title, "ecosystem": eco,
            "severity": severity, "rating": rating, "date": date, "url": url, "tests": tests}


def import_oval(path: Path, builder: Builder, progress: Progress | None) -> SourceStats:
    files = [path] if path.is_file() else sorted(
        p for p in path.iterdir() if p.name.endswith((".xml", ".xml.bz2")) and "oval" in p.name
    )
    stats = _stats(f"oval:{path.name}", str(path), "oval")
    sink = _sink(builder, stats)
    for f in files:
        if progress:
            progress(f"importing {f}")
        for rec in _oval_records(f):
            sink.record(rec, str(f))
    sink.flush()
    return stats


# -- Alpine secdb --------------------------------------------------------------------------------
_CVE = re.compile(r"^CVE-\d{4}-\d+$")


def import_secdb(path: Path, builder: Builder, progress: Progress | None) -> SourceStats:
    """One ALPINE-<CVE> record per CVE (like the OSV conversion), affected per (branch, origin)."""
    stats = _stats(f"secdb:{path.name}", str(path), "alpine-secdb")
    by_cve: dict[str, dict[str, Any]] = {}
    for f in sorted(path.glob("*/*.json")):
        branch = f.parent.name
        if progress:
            progress(f"importing {f}")
        try:
            with f.open("rb") as fh:  # bounded: a symlink to /dev/zero stats as size 0
                raw = fh.read(MAX_FEED_BYTES + 1)
            if len(raw) > MAX_FEED_BYTES:
                raise SourceError("feed file larger than the limit", subject=str(f))
            data = jsontext.loads(raw)  # lone surrogate escapes repaired
        except OSError as err:
            raise SourceError(f"cannot read: {err.strerror or err}", subject=str(f)) from None
        except RecursionError:  # arrays nested 100k deep
            raise SourceError("not secdb JSON (nested too deeply)", subject=str(f)) from None
        except ValueError as err:
            raise SourceError(f"not secdb JSON ({err})", subject=str(f)) from None
        version = data.get("distroversion") if isinstance(data, dict) else None
        eco = f"Alpine:{branch}" if branch == "edge" else f"Alpine:{version if isinstance(version, str) else branch}"
        packages = data.get("packages") if isinstance(data, dict) else None
        for entry in packages if isinstance(packages, list) else []:
            pkg = entry.get("pkg") if isinstance(entry, dict) else None
            if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
                stats.skipped += 1
                continue
            secfixes = pkg.get("secfixes") or {}
            if not isinstance(secfixes, dict):
                continue
            for fixed, ids in secfixes.items():
                if not isinstance(ids, list) or str(fixed) == "0":
                    continue  # "0": the CVE never affected this package
                for token_text in ids:
                    tokens = str(token_text).split()
                    cves = [t for t in tokens if _CVE.match(t)]
                    for cve in cves:
                        rec = by_cve.setdefault(cve, {
                            "id": f"ALPINE-{cve}", "aliases": [cve], "affected": [],
                            "references": [{"type": "ADVISORY", "url": f"https://security.alpinelinux.org/vuln/{cve}"}],
                            "related": [t for t in tokens if t != cve],
                        })
                        rec["affected"].append({
                            "package": {"ecosystem": eco, "name": pkg["name"]},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": str(fixed)}]}],
                        })
    sink = _sink(builder, stats)
    for cve in sorted(by_cve):
        sink.record(by_cve[cve], f"{path}:{cve}")
    sink.flush()
    return stats


# -- Debian security tracker lists --------------------------------------------------------------
_HEADER = re.compile(r"^\[(\d{2}) (\w{3}) (\d{4})\] ((?:DSA|DLA|DTSA)-[\d-]+) (\S+)(?: - (.*))?$")
_RELEASE_LINE = re.compile(r"^\s+\[(\w+)\] - (\S+) (\S+)")
_CODENAMES = {
    "buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1", "potato": "2.2", "woody": "3.0",
    "sarge": "3.1", "etch": "4.0", "lenny": "5.0", "squeeze": "6.0", "wheezy": "7", "jessie": "8",
    "stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
    "sid": "unstable",
}
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), 1)}
_UNFIXED = ("<unfixed>", "<end-of-life>", "<ignored>", "<postponed>")


def _tracker_records(path: Path) -> Iterator[dict[str, Any]]:
    rec: dict[str, Any] | None = None
    with _open(path) as fh:
        for raw in fh:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = _HEADER.match(line)
            if m:
                if rec is not None and rec["affected"]:
                    yield rec
                day, mon, year, adv_id, pkg, summary = m.groups()
                date = f"{year}-{_MONTHS.get(mon, 1):02d}-{day}T00:00:00Z"
                rec = {"id": adv_id, "summary": f"{pkg} - {summary or ''}".strip(" -"), "published": date,
                       "modified": date, "upstream": [], "affected": [],
                       "references": [{"type": "ADVISORY",
                                       "url": f"https://security-tracker.debian.org/tracker/{adv_id}"}]}
                continue
            if rec is None:
                continue
            stripped = line.strip()
            if stripped.startswith("{") and stripped.endswith("}"):
                rec["upstream"].extend(t for t in stripped[1:-1].split() if t.startswith("CVE-"))
                continue
            r = _RELEASE_LINE.match(line)
            if not r:
                continue
            codename, src, fixed = r.groups()
            release = _CODENAMES.get(codename)
            if release is None or fixed == "<not-affected>":
                continue
            events: list[dict[str, str]] = [{"introduced": "0"}]
            spec = None
            if fixed in _UNFIXED:
                spec = {"status": fixed.strip("<>")}
            elif fixed.startswith("<"):
                continue
            else:
                events.append({"fixed": fixed})
            rec["affected"].append({"package": {"ecosystem": f"Debian:{release}", "name": src},
                                    "ranges": [{"type": "ECOSYSTEM", "events": events}],
                                    "ecosystem_specific": spec})
    if rec is not None and rec["affected"]:
        yield rec


def import_tracker(path: Path, builder: Builder, progress: Progress | None) -> SourceStats:
    files = [path] if path.is_file() else [path / n for n in _TRACKER_LISTS if (path / n).is_file()]
    stats = _stats(f"debian-tracker:{path.name}", str(path), "debian-tracker")
    sink = _sink(builder, stats)
    for f in files:
        if progress:
            progress(f"importing {f}")
        try:
            for rec in _tracker_records(f):
                sink.record(rec, str(f))
        except OSError as err:
            raise SourceError(f"cannot read: {err}", subject=str(f)) from None
    sink.flush()
    return stats
