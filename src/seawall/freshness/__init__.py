"""Is a deployed image still the current one? Tag lines, moved tags, image age, distro EOL.

:mod:`seawall.freshness.tags` orders registry tags within a version line;
:mod:`seawall.freshness.check` asks a registry about one reference (shared by the ``freshness``
analyzer of ``seawall scan`` and by ``seawall registry scan``).
"""
