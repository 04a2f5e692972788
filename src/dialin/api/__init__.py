"""The HTTP API: SigOpt's v1 under /v1. Routes translate; services decide."""
