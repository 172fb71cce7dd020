"""Isolation of sensitive workloads (NIST SP 800-190 3.3.4/4.3.4, 3.5.2/4.5.2): who runs next to
whom, as whom, on which kernel, and who can reach them."""
