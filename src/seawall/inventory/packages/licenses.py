"""License strings as packages declare them, mapped to SPDX ids where the mapping is certain.

Package metadata uses free text ("MIT License", Debian's "GPL-2+", Python trove classifiers). SBOM
formats want SPDX ids, so each cataloger keeps the declared text and the writers ask
:func:`spdx_id` / :func:`spdx_expression` whether it is (or maps exactly to) an SPDX id; anything
else is written as a named license, never guessed.
"""

from __future__ import annotations

import re

from seawall.inventory.packages.spdx_ids import SPDX_LICENSE_IDS

_BY_LOWER = {i.lower(): i for i in SPDX_LICENSE_IDS}

#: Exact aliases seen in package metadata: Debian copyright short names (DEP-5), trove
#: classifiers and common free-text spellings. Only unambiguous ones.
_ALIASES = {
    "expat": "MIT",
    "mit license": "MIT",
    "the mit license": "MIT",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "the apache software license, version 2.0": "Apache-2.0",
    "the apache license, version 2.0": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "gpl-1": "GPL-1.0-only",
    "gpl-1+": "GPL-1.0-or-later",
    "gpl-2": "GPL-2.0-only",
    "gpl-2+": "GPL-2.0-or-later",
    "gpl-3": "GPL-3.0-only",
    "gpl-3+": "GPL-3.0-or-later",
    "lgpl-2": "LGPL-2.0-only",
    "lgpl-2+": "LGPL-2.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-3": "LGPL-3.0-only",
    "lgpl-3+": "LGPL-3.0-or-later",
    "agpl-3": "AGPL-3.0-only",
    "agpl-3+": "AGPL-3.0-or-later",
    "gfdl-1.2+": "GFDL-1.2-or-later",
    "gfdl-1.3+": "GFDL-1.3-or-later",
    "mpl-2.0": "MPL-2.0",
    "isc license": "ISC",
    "zlib/libpng": "Zlib",
    "psf-2": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "eclipse public license 1.0": "EPL-1.0",
    "eclipse public license - v 1.0": "EPL-1.0",
    "eclipse public license - v 2.0": "EPL-2.0",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd-3-clause license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "simplified bsd license": "BSD-2-Clause",
    "ruby": "Ruby",
}

_CLASSIFIER = {
    "MIT License": "MIT",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "Python Software Foundation License": "PSF-2.0",
    "The Unlicense (Unlicense)": "Unlicense",
    "Zope Public License": "ZPL-2.1",
}


def spdx_id(text: str) -> str | None:
    """The SPDX id ``text`` denotes exactly, or None."""
    t = " ".join(text.split())
    if not t:
        return None
    low = t.lower()
    if low in _ALIASES:  # first: also maps deprecated list ids such as "LGPL-2.1+" to current ones
        return _ALIASES[low]
    return _BY_LOWER.get(low)


def from_classifier(classifier: str) -> str | None:
    """``License :: OSI Approved :: MIT License`` -> ``MIT`` (None when not a license classifier)."""
    parts = [p.strip() for p in classifier.split("::")]
    if len(parts) < 2 or parts[0] != "License":
        return None
    last = parts[-1]
    return _CLASSIFIER.get(last) or spdx_id(last) or (last if len(parts) > 2 else None)


_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def spdx_expression(text: str) -> str | None:
    """``text`` as a valid SPDX expression of known ids (normalising case and aliases), or None.

    Accepts single ids and ``AND`` / ``OR`` / ``WITH`` combinations with parentheses; ``/`` and
    ``,`` (common in free text) are not guessed into operators.
    """
    tokens = _TOKEN.findall(text)
    if not tokens:
        return None
    out: list[str] = []
    depth = 0
    expect_id = True
    for tok in tokens:
        up = tok.upper()
        if tok == "(":
            if not expect_id:
                return None
            depth += 1
            out.append(tok)
        elif tok == ")":
            depth -= 1
            if depth < 0 or expect_id:
                return None
            out.append(tok)
        elif up in ("AND", "OR", "WITH"):
            if expect_id:
                return None
            out.append(up)
            expect_id = True
        else:
            if not expect_id:
                return None
            plus = tok.endswith("+") and tok[:-1].lower() in _BY_LOWER
            ident = _BY_LOWER.get(tok.lower()) or (_BY_LOWER[tok[:-1].lower()] + "+" if plus else None)
            if ident is None and tok.startswith("LicenseRef-") and re.fullmatch(r"LicenseRef-[A-Za-z0-9.\-]+", tok):
                ident = tok
            if ident is None:
                return None
            out.append(ident)
            expect_id = False
    if depth != 0 or expect_id:
        return None
    return " ".join(out).replace("( ", "(").replace(" )", ")")
