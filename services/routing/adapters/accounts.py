"""Accounts, refresh tokens and API keys: the SQL behind signing in (routing's identity
handlers); rows come back as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.routing.adapters.tables import TABLES, accounts, api_keys, refresh_tokens, staff
from shared import audit


@dataclass(frozen=True)
class Account:
    username: str
    staff_id: str | None
    is_admin: bool
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    disabled: bool


@dataclass(frozen=True)
class StaffStanding:
    """What a token is issued from: the staff member's role, units and whether active."""

    role: str
    unit_code: str
    covers: list[str]
    on_duty: bool


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    username: str
    family_id: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    secret_hash: str
    scopes: list[str]
    unit_codes: list[str]
    revoked_at: datetime | None


def _account(row: Any) -> Account:
    return Account(
        row.username,
        row.staff_id,
        row.is_admin,
        row.password_hash,
        row.failed_logins,
        row.locked_until,
        row.disabled,
    )


class AccountRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def account(self, username: str, *, lock: bool = False) -> Account | None:
        query = select(accounts).where(accounts.c.username == username)
        row = (await self.conn.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else _account(row)

    async def staff_standing(self, staff_id: str | None) -> StaffStanding | None:
        row = (
            await self.conn.execute(
                select(staff.c.role, staff.c.unit_code, staff.c.covers, staff.c.on_duty).where(
                    staff.c.staff_id == staff_id
                )
            )
        ).first()
        if row is None:
            return None
        return StaffStanding(row.role, row.unit_code, list(row.covers or []), row.on_duty)

    async def record_failures(
        self, username: str, failed_logins: int, locked_until: datetime | None
    ) -> None:
        await self.conn.execute(
            update(accounts)
            .where(accounts.c.username == username)
            .values(failed_logins=failed_logins, locked_until=locked_until)
        )

    async def upsert_account(self, values: dict[str, Any]) -> None:
        await self.conn.execute(
            insert(accounts)
            .values(**values)
            .on_conflict_do_update(index_elements=[accounts.c.username], set_=values)
        )

    async def add_accounts_if_missing(self, rows: list[dict[str, Any]]) -> None:
        await self.conn.execute(insert(accounts).on_conflict_do_nothing(), rows)

    async def all_staff_ids(self) -> list[str]:
        return list((await self.conn.execute(select(staff.c.staff_id))).scalars())

    async def add_refresh_token(
        self, token_hash: str, username: str, family_id: str, expires_at: datetime
    ) -> None:
        await self.conn.execute(
            refresh_tokens.insert().values(
                token_hash=token_hash,
                username=username,
                family_id=family_id,
                expires_at=expires_at,
            )
        )

    async def refresh_token(self, token_hash: str, *, lock: bool = False) -> RefreshToken | None:
        query = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self.conn.execute(query.with_for_update() if lock else query)).first()
        if row is None:
            return None
        return RefreshToken(
            row.token_hash, row.username, row.family_id, row.expires_at, row.used_at, row.revoked_at
        )

    async def mark_refresh_token_used(self, token_hash: str, at: datetime) -> None:
        await self.conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash)
            .values(used_at=at)
        )

    async def revoke_family(self, family_id: str, at: datetime) -> None:
        await self.conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def api_key(self, key_id: str) -> ApiKey | None:
        row = (await self.conn.execute(select(api_keys).where(api_keys.c.key_id == key_id))).first()
        if row is None:
            return None
        return ApiKey(
            row.key_id, row.secret_hash, list(row.scopes), list(row.unit_codes), row.revoked_at
        )

    async def add_api_key(
        self,
        key_id: str,
        client_name: str,
        secret_hash: str,
        scopes: list[str],
        unit_codes: list[str],
    ) -> None:
        await self.conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                client_name=client_name,
                secret_hash=secret_hash,
                scopes=scopes,
                unit_codes=unit_codes,
            )
        )

    async def revoke_api_key(self, key_id: str, at: datetime) -> bool:
        result = await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(result.rowcount)

    async def audit(self, entry: audit.AuditEntry) -> None:
        """Append to routing's audit chain in this transaction (sign-ins commit with it)."""
        await audit.append(self.conn, TABLES.audit_log, TABLES.audit_purges, entry)
