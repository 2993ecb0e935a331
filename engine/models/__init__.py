"""Model families, one file each; classes own parameters and state and call kernels."""
