"""MLP Lab's command line and benchmark harness: `python -m mlp_lab <command>`.

The top of the package stack: it may import every package of ours (the engine
`mlp_core`, the fast back-end `mlp_fast`, `mlp_digits` for `predict`) and, for the
benchmark only, scikit-learn and PyTorch. Nothing imports it (tests/core/test_import_guard.py).
"""
