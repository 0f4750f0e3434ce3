"""`opsjob`: the OPS Job command-line client (standard library HTTP + click)."""
