"""Single-object rules, registered with their metadata by :func:`seawall.rules.registry.rule`.

Importing :mod:`seawall.rules.catalog` imports every rule family so the registry is complete.
"""
