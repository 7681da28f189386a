"""All settings in one place: environment variables with prefix POLICYQA_, or a .env file.

The four that one-shot commands read are also read without pydantic by bot/basics.py (a fast start).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.basics import ENV_FILE, PREFIX, Basics

TELEGRAM_API = "https://api.telegram.org/bot"
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class Settings(BaseSettings):
    """Settings for every front end; build once in main() and pass down."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=ENV_FILE, extra="ignore")

    db: Path = Field(Basics.db, description="SQLite file holding the index and the question log")
    corpus: Path = Field(Basics.corpus, description="folder of plan files ingested by default")
    token: SecretStr | None = Field(None, description="Telegram bot token from @BotFather")
    api_base_url: str = Field(TELEGRAM_API, description="Bot API base URL (self-hosted Bot API server)")
    admin_ids: list[int] = Field(default_factory=list, description="Telegram user ids allowed /reload and /stats")
    page_size: int = Field(3, ge=1, le=10, description="answers per page in the bot")
    rate_limit: int = Field(20, ge=1, description="questions per chat per minute before the bot asks to slow down")
    lock_wait: float = Field(Basics.lock_wait, gt=0, description="seconds a write to the index waits for another writer")
    log_level: str = Field("INFO", description="logging level")
    ranker: Literal["postings", "rank-bm25"] = Field(
        Basics.ranker, description="postings (stored, fast at any size) or rank-bm25 (the in-memory reference)"
    )
    host: str = Field("127.0.0.1", description="address `policyqa web` listens on")
    port: int = Field(8000, ge=1, le=65535, description="port `policyqa web` listens on")
    admin_password_hash: SecretStr | None = Field(
        None, description="hash of the /admin password, from `policyqa web --hash-password` (none: /admin is off)"
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="sites allowed to embed the web chat (/widget.js), e.g. https://www.gov.cn"
    )
    web_workers: int = Field(
        1, ge=1, le=64, description="worker processes `policyqa web` answers with (chats and staff logins are shared "
        "through the index file; about one per core)"
    )
    web_rate_limit: int = Field(120, ge=1, description="web requests per client per minute before 429")
    max_body: int = Field(16_384, ge=256, description="largest web request body in bytes before 413")
    secure_cookies: bool = Field(False, description="mark the web's cookies Secure (serve over HTTPS)")

    @field_validator("token", "admin_password_hash", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        """An empty POLICYQA_TOKEN= (or admin hash) line means none."""
        return None if value in ("", None) else value

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_origins(cls, value: list[str]) -> list[str]:
        """Each allowed origin is scheme://host[:port], nothing more (it goes into a CSP header)."""
        for origin in value:
            if not ORIGIN.fullmatch(origin):
                raise ValueError(f"allowed origin {origin!r} is not scheme://host[:port]")
        return value
