"""Settings, validated once and read only by ``create_app`` and the CLI."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///./dialin.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIALIN_", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    # Connections per API process; several processes share PostgreSQL's max_connections.
    pool_size: int = 10
    # Where logged files keep their bytes: a directory, or s3://bucket/prefix. Unset: a
    # dialin-files directory beside the SQLite database (else in the working directory).
    file_storage: str | None = None
