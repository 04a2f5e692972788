"""Access-log settings for uvicorn that never write a token.

A token can sit in a request path (``/v1/tokens/{token}``). The filter is named in the logging
config, so every worker process uvicorn starts installs it, not only the parent.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

__all__ = ["RedactTokens", "log_config"]

_TOKEN_PATH = re.compile(r"(/tokens/)(?!self\b)[^/\s?\"]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_PATH.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": f"{__name__}.RedactTokens"}
    config["handlers"]["access"].setdefault("filters", []).append("redact_tokens")
    return config
