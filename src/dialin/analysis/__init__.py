"""Read-only analysis of an experiment's history: importances, summaries for plots."""
