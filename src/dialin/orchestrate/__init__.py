"""Running user models: the run and experiment files, local subprocesses, over the HTTP API.

Orchestration talks to a dialin server only through its HTTP API (``dialin.client.http``),
whether the CLI started that server in-process or it runs elsewhere.
"""
