"""Optimizer peers for the quality benchmark: each runs as a worker process in its own virtualenv,
asks the driver to evaluate points over a pipe, and knows nothing of the problem but its space."""
