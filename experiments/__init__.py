"""Reproducible experiments comparing embedding models: `python -m experiments list | run`.

Five families (processing parameters, signal types, description sensitivity, resources,
applications), each a module with `run(session) -> rows`, `charts(rows)` and
`readings(rows)`; `experiments.core` runs them and `experiments.report` writes JSON, CSV,
figures and a Markdown report. Nothing heavy is imported here.
"""
from experiments.core import EXPERIMENTS, Cancelled, Result, RunConfig, Session, run_experiment

__all__ = ["EXPERIMENTS", "Cancelled", "Result", "RunConfig", "Session", "run_experiment"]
