"""Coverage-guided fuzzing (atheris) of every parser of untrusted bytes; see fuzz/README.md."""
