"""Fixtures of the browser tests; helpers live in ``web_support``."""

from __future__ import annotations

from web_support import chromium

__all__ = ["chromium"]
