"""Cross-object analyses registered with :func:`seawall.engine.analyzer`."""
