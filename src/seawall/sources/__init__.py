"""Sources read bytes safely and never judge: manifests, Dockerfiles, image archives, registries."""
