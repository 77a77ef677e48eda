"""What the current request (or task) is: its id, and the database work it has done so far."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from dataclasses import dataclass

# nginx's $request_id is 32 hex digits; accept any short token of safe characters.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id: ContextVar[str | None] = ContextVar("tenantry_request_id", default=None)


def request_id_from(header: str | None) -> str:
    """The proxy's ``X-Request-ID`` when it is a sane token, else a new one."""
    if header and VALID_REQUEST_ID.fullmatch(header):
        return header
    return os.urandom(16).hex()  # 32 hex digits, like nginx's $request_id (what secrets.token_hex does)


@dataclass
class DatabaseWork:
    queries: int = 0
    seconds: float = 0.0


database_work: ContextVar[DatabaseWork | None] = ContextVar("tenantry_database_work", default=None)
