"""Secret rule families, one module each; importing this package registers all of them."""

from __future__ import annotations

from seawall.secrets.rules import (  # noqa: F401  (imported for their registrations)
    chat_payment,
    cloud,
    generic,
    keys,
    registries,
    saas,
    vcs,
)
from seawall.secrets.rules._spec import CATALOGUE, SecretRule

__all__ = ["CATALOGUE", "SecretRule"]
