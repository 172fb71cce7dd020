"""Supply-chain rules on manifests: trusted registries and how registries are reached."""
