"""Pure data: the Finding model, inventory types and the NIST SP 800-190 catalogue. No I/O."""
