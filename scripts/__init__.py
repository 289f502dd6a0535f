"""Developer scripts. Only ``scripts.vectors`` (the test-vector generators) is a Python package;
the rest are shell scripts and thin entry points run from a checkout."""
