"""Settings of running the bot for real (issue 14): webhook mode and the health listener.

FABNUM_WEBHOOK_URL, FABNUM_WEBHOOK_LISTEN, FABNUM_WEBHOOK_SECRET, FABNUM_HEALTH_LISTEN.
bot/config.py calls `parse_ops_settings` and turns an OpsSettingsError into its ConfigError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_WEBHOOK_LISTEN = ("127.0.0.1", 8080)
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class OpsSettingsError(ValueError):
    """A malformed webhook or health setting; the message says which and how to fix it."""


@dataclass(frozen=True)
class OpsSettings:
    webhook_url: str | None = None  # None: long polling (the default)
    webhook_listen: tuple[str, int] = DEFAULT_WEBHOOK_LISTEN
    webhook_secret: str | None = None
    health_listen: tuple[str, int] | None = None  # polling mode only; webhook: the listener

    @property
    def webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path of FABNUM_WEBHOOK_URL the listener serves (a reverse proxy passes it on)."""
        path = urlsplit(self.webhook_url or "").path
        return path if path else "/"


def parse_listen(key: str, text: str) -> tuple[str, int]:
    """host:port ([::1]:8080 for IPv6); the port from 1 to 65535."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise OpsSettingsError(
            f"{key} must be host:port, e.g. 127.0.0.1:8080 (a port from 1 to 65535)."
        )
    return host, int(port)


def parse_ops_settings(get: Callable[[str], str | None]) -> OpsSettings:
    url = get("FABNUM_WEBHOOK_URL")
    secret = get("FABNUM_WEBHOOK_SECRET")
    listen_text = get("FABNUM_WEBHOOK_LISTEN")
    health_text = get("FABNUM_HEALTH_LISTEN")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise OpsSettingsError(
                "FABNUM_WEBHOOK_URL must be the public https:// address Telegram calls, e.g. "
                "https://bot.example.org/tg/hook (Telegram only calls HTTPS); leave it empty "
                "for long polling."
            )
        if urlsplit(url).path.rstrip("/") == "/healthz":
            raise OpsSettingsError(
                "FABNUM_WEBHOOK_URL: the path /healthz is the health check's; choose another "
                "path, e.g. https://bot.example.org/tg/hook."
            )
        if secret is None:
            raise OpsSettingsError(
                "FABNUM_WEBHOOK_SECRET is required with FABNUM_WEBHOOK_URL: Telegram sends it "
                "with every update and the bot refuses requests without it. Make one with "
                f"{MAKE_SECRET} and put it in .env."
            )
    if secret is not None and not _SECRET_RE.match(secret):
        raise OpsSettingsError(
            "FABNUM_WEBHOOK_SECRET must be 1 to 256 characters among A-Z a-z 0-9 _ - ; make one "
            f"with {MAKE_SECRET}."
        )
    listen = DEFAULT_WEBHOOK_LISTEN
    if listen_text:
        listen = parse_listen("FABNUM_WEBHOOK_LISTEN", listen_text)
    health = parse_listen("FABNUM_HEALTH_LISTEN", health_text) if health_text else None
    return OpsSettings(
        webhook_url=url, webhook_listen=listen, webhook_secret=secret, health_listen=health
    )
