"""JSON pointers (RFC 6901) into manifest documents: how findings name the offending field.

Apart from the YAML loader (``yamldoc``) so that code which only builds or reads pointers (the
Kubernetes object views, the secret engine) does not import PyYAML: a secrets-only scan of a
source tree then never loads it.
"""

from __future__ import annotations


def split_pointer(pointer: str) -> list[str]:
    if not pointer or pointer == "/":
        return []
    parts = pointer.lstrip("/").split("/")
    if "~" not in pointer:
        return parts
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]


def join_pointer(*parts: object) -> str:
    out = ""
    for p in parts:
        s = str(p)
        if s.startswith("/"):
            out += s.rstrip("/") if s != "/" else ""
        else:
            out += "/" + s.replace("~", "~0").replace("/", "~1")
    return out
