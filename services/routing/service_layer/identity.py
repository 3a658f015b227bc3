"""Identity: staff sign in, refresh and sign out; machine clients exchange API keys.

Accounts live in routing because routing owns the staff registry: an account names a
staff member, and the role and jurisdiction a token carries are read from the staff
row at every login and refresh, so moving someone in the registry moves their access
within one access-token lifetime. Tokens are verified locally by every service
(shared/auth/tokens.py); only refresh tokens and API keys are checked here, so only
they can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.routing.adapters.accounts import Account, AccountRepository
from services.routing.domain.staff import CENTRE_OPERATOR
from shared import audit
from shared.auth import roles
from shared.auth.tokens import mint_token
from shared.db.unit_of_work import UnitOfWork
from shared.settings import GridcaseSettings

HASHER = PasswordHasher()
# Verified against when the username is unknown, so that the answer takes as long.
_DUMMY_HASH = HASHER.hash("not-a-password")
API_KEY_PREFIX = "gck_"


class LoginRefused(Exception):
    """Wrong username or password, disabled account, or a bad refresh token."""


class AccountLocked(Exception):
    def __init__(self, until: datetime):
        super().__init__(until.isoformat())
        self.until = until


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    role: str
    unit_codes: list[str]

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "role": self.role,
            "unit_codes": self.unit_codes,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def _audit(
    repo: AccountRepository, actor: str, role: str, action: str, source: str, result: str
) -> None:
    await repo.audit(audit.AuditEntry(actor, role, action, actor, source, result))


async def _role_and_units(repo: AccountRepository, account: Account) -> tuple[str, list[str]]:
    """What the account's token carries, read from the staff registry now."""
    if account.is_admin:
        return roles.ADMIN, []
    member = await repo.staff_standing(account.staff_id)
    if member is None or not member.on_duty:
        raise LoginRefused("no active staff record")
    role = (
        roles.operator_role_for(member.unit_code) if member.role == CENTRE_OPERATOR else member.role
    )
    return role, [member.unit_code, *member.covers]


async def _issue(
    repo: AccountRepository, settings: GridcaseSettings, account: Account, family_id: str
) -> Tokens:
    role, units = await _role_and_units(repo, account)
    subject = account.staff_id or account.username
    ttl = timedelta(minutes=settings.access_ttl_minutes)
    access = mint_token(settings.secret_key, subject, role, units, ttl=ttl)
    refresh = secrets.token_urlsafe(32)
    await repo.add_refresh_token(
        _sha256(refresh),
        account.username,
        family_id,
        datetime.now(UTC) + timedelta(days=settings.refresh_ttl_days),
    )
    return Tokens(access, refresh, int(ttl.total_seconds()), role, units)


async def login(
    uow: UnitOfWork, settings: GridcaseSettings, username: str, password: str, source: str
) -> Tokens:
    """Check the password; count failures and lock the account after too many.

    Commits in every case, so that failures count even though the caller answers 401.
    """
    repo = AccountRepository(uow.connection)
    account = await repo.account(username, lock=True)
    now = datetime.now(UTC)
    if account is None:
        _verify(_DUMMY_HASH, password)
        await _audit(repo, username, "-", "auth.login", source, "unknown-user")
        await uow.commit()
        raise LoginRefused("unknown user")
    if account.locked_until is not None and account.locked_until > now:
        await _audit(repo, username, "-", "auth.login", source, "locked")
        await uow.commit()
        raise AccountLocked(account.locked_until)
    if account.disabled or not _verify(account.password_hash, password):
        failures = account.failed_logins + 1
        locked = failures >= settings.login_max_failures
        await repo.record_failures(
            username,
            0 if locked else failures,
            now + timedelta(minutes=settings.login_lockout_minutes) if locked else None,
        )
        await _audit(
            repo, username, "-", "auth.login", source, "locked-now" if locked else "bad-password"
        )
        await uow.commit()
        raise LoginRefused("bad password")
    await repo.record_failures(username, 0, None)
    tokens = await _issue(repo, settings, account, uuid.uuid4().hex)
    await _audit(repo, username, tokens.role, "auth.login", source, "ok")
    await uow.commit()
    return tokens


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def refresh(uow: UnitOfWork, settings: GridcaseSettings, token: str, source: str) -> Tokens:
    """Rotate: the presented token is used up and a new one issued in its family.
    Presenting a used token again revokes the family: a copy is in someone's hands."""
    repo = AccountRepository(uow.connection)
    now = datetime.now(UTC)
    row = await repo.refresh_token(_sha256(token), lock=True)
    if row is None:
        raise LoginRefused("unknown refresh token")
    if row.used_at is not None and row.revoked_at is None:
        await repo.revoke_family(row.family_id, now)
        await _audit(repo, row.username, "-", "auth.refresh", source, "reuse-revoked-family")
        await uow.commit()
        raise LoginRefused("refresh token reused")
    if row.revoked_at is not None or row.used_at is not None or row.expires_at <= now:
        raise LoginRefused("refresh token revoked or expired")
    account = await repo.account(row.username)
    if account is None or account.disabled:
        raise LoginRefused("account disabled")
    await repo.mark_refresh_token_used(row.token_hash, now)
    tokens = await _issue(repo, settings, account, row.family_id)
    await _audit(repo, row.username, tokens.role, "auth.refresh", source, "ok")
    await uow.commit()
    return tokens


async def logout(uow: UnitOfWork, token: str, source: str) -> None:
    """Revoke the token's whole family (this device's session)."""
    repo = AccountRepository(uow.connection)
    row = await repo.refresh_token(_sha256(token))
    if row is not None:
        await repo.revoke_family(row.family_id, datetime.now(UTC))
        await _audit(repo, row.username, "-", "auth.logout", source, "ok")
    await uow.commit()


async def client_token(
    uow: UnitOfWork, settings: GridcaseSettings, api_key: str, source: str
) -> Tokens:
    """Client credentials: an API key for a short-lived access token with its scopes."""
    repo = AccountRepository(uow.connection)
    key_id, _, secret = api_key.removeprefix(API_KEY_PREFIX).partition(".")
    row = await repo.api_key(key_id)
    if (
        row is None
        or row.revoked_at is not None
        or not hmac.compare_digest(row.secret_hash, _sha256(secret))
    ):
        await _audit(repo, key_id[:40] or "-", roles.CLIENT, "auth.client-token", source, "refused")
        await uow.commit()
        raise LoginRefused("bad api key")
    ttl = timedelta(minutes=settings.access_ttl_minutes)
    access = mint_token(
        settings.secret_key,
        f"client:{row.key_id}",
        roles.CLIENT,
        row.unit_codes,
        ttl=ttl,
        scopes=row.scopes,
    )
    await _audit(repo, f"client:{row.key_id}", roles.CLIENT, "auth.client-token", source, "ok")
    await uow.commit()
    return Tokens(access, None, int(ttl.total_seconds()), roles.CLIENT, row.unit_codes)


# --- administration (the CLI and the demo); each commits its unit of work ------------


async def create_account(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    staff_id: str | None = None,
    is_admin: bool = False,
) -> None:
    """Add or reset an account (password, unlock)."""
    if not is_admin and staff_id is None:
        raise ValueError("a staff account names its staff_id")
    if len(password) < 10:
        raise ValueError("passwords have at least 10 characters")
    await AccountRepository(uow.connection).upsert_account(
        {
            "username": username,
            "staff_id": staff_id,
            "is_admin": is_admin,
            "password_hash": HASHER.hash(password),
            "failed_logins": 0,
            "locked_until": None,
        }
    )
    await uow.commit()


async def create_api_key(
    uow: UnitOfWork, client_name: str, scopes: list[str], unit_codes: list[str]
) -> str:
    """A new API key; the secret is shown once and only its hash is kept."""
    unknown = set(scopes) - roles.SCOPES
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {sorted(roles.SCOPES)}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    await AccountRepository(uow.connection).add_api_key(
        key_id, client_name, _sha256(secret), scopes, unit_codes
    )
    await uow.commit()
    return f"{API_KEY_PREFIX}{key_id}.{secret}"


async def revoke_api_key(uow: UnitOfWork, key_id: str) -> bool:
    revoked = await AccountRepository(uow.connection).revoke_api_key(key_id, datetime.now(UTC))
    await uow.commit()
    return revoked


async def create_demo_accounts(uow: UnitOfWork, password: str) -> int:
    """One account per staff member (username = staff id) and ``admin``, all with the
    same demo password; hashed once, since argon2 is slow on purpose."""
    repo = AccountRepository(uow.connection)
    password_hash = HASHER.hash(password)
    rows: list[dict[str, Any]] = [
        {"username": s, "staff_id": s, "is_admin": False, "password_hash": password_hash}
        for s in await repo.all_staff_ids()
    ]
    rows.append(
        {"username": "admin", "staff_id": None, "is_admin": True, "password_hash": password_hash}
    )
    await repo.add_accounts_if_missing(rows)
    await uow.commit()
    return len(rows)
