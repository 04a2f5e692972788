"""The HTTP client of dialin's own API and the run API for training code.

Standard library only: training code imports it, so it must not pull in the server's
dependencies. It speaks to the server over HTTP and never imports services, storage or wire.
"""
