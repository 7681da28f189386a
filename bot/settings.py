"""All settings in one place: environment variables with prefix POLICYQA_, or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Settings for every front end; build once in main() and pass down."""

    model_config = SettingsConfigDict(env_prefix="POLICYQA_", env_file=".env", extra="ignore")

    db: Path = Field(Path("policyqa.db"), description="SQLite file holding the index and the question log")
    corpus: Path = Field(Path("corpus"), description="folder of plan files ingested by default")
    token: SecretStr | None = Field(None, description="Telegram bot token from @BotFather")
    api_base_url: str = Field(TELEGRAM_API, description="Bot API base URL (self-hosted Bot API server)")
    admin_ids: list[int] = Field(default_factory=list, description="Telegram user ids allowed /reload and /stats")
    page_size: int = Field(3, ge=1, le=10, description="answers per page in the bot")
    rate_limit: int = Field(20, ge=1, description="questions per chat per minute before the bot asks to slow down")
    lock_wait: float = Field(60.0, gt=0, description="seconds a write to the index waits for another writer")
    log_level: str = Field("INFO", description="logging level")
    ranker: Literal["postings", "rank-bm25"] = Field(
        "postings", description="postings (stored, fast at any size) or rank-bm25 (the in-memory reference)"
    )

    @field_validator("token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        """An empty POLICYQA_TOKEN= line means no token."""
        return None if value in ("", None) else value
