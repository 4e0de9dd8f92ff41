"""Sign-in with rate limiting, and API tokens for other systems."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import ApiToken, LoginAttempt, User
from workflows.accounts.access import Principal, principal_for
from workflows.accounts.passwords import check_password, dummy_hash
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.core.errors import NotFound, PermissionDenied, QuanzeError, ValidationFailed

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
TOKEN_PREFIX = "qz_"
# last_used_at is advice for the token's owner, not an audit record: writing it on every read would take
# SQLite's single write lock per API request, so it moves only when this much older.
LAST_USED_STEP = timedelta(minutes=5)


class TooManyAttempts(QuanzeError):
    """Too many failed sign-ins for one username from one address."""

    status = 429
    code = "too_many_attempts"


class BadCredentials(QuanzeError):
    """Unknown user, wrong password or inactive account (one message for all three)."""

    status = 401
    code = "bad_credentials"


def _failures(session: Session, username: str, remote_addr: str, now: datetime) -> int:
    return session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username,
            LoginAttempt.remote_addr == remote_addr,
            LoginAttempt.at > now - FAILURE_WINDOW,
        )
    )


def authenticate(session: Session, username: str, password: str, remote_addr: str,
                 now: datetime) -> Principal:
    """Check a password; five failures in 15 minutes lock that username from that address."""
    username = (username or "").strip()
    with unit_of_work(session):
        if _failures(session, username, remote_addr, now) >= MAX_FAILURES:
            raise TooManyAttempts("登录失败次数过多，请15分钟后再试 / too many failed sign-ins, "
                                  "try again in 15 minutes")
        user = session.scalars(select(User).where(User.username == username)).first()
        # Unknown users are checked against a dummy hash, so the time taken reveals no usernames.
        stored = user.password_hash if user is not None else dummy_hash()
        password_ok = check_password(stored, password)
        if user is None or not user.is_active or not password_ok:
            session.add(LoginAttempt(username=username[:60], remote_addr=remote_addr[:64], at=now))
            failed = True
        else:
            session.execute(delete(LoginAttempt).where(LoginAttempt.username == username,
                                                       LoginAttempt.remote_addr == remote_addr))
            record(session, at=now, action="user.login", subject_type="user", subject_id=user.id,
                   actor_user_id=user.id, details={"remote_addr": remote_addr})
            failed = False
    if failed:
        # Raised after the commit so the failure is counted.
        raise BadCredentials("用户名或密码错误 / wrong username or password")
    return principal_for(session, user)


def _hash_token(secret: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(session: Session, principal: Principal, user_id: int, name: str,
                now: datetime, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for a user (oneself, or anyone for an admin); the secret is shown once."""
    if user_id != principal.user_id and not principal.is_admin:
        raise PermissionDenied("只能为自己创建令牌 / you may only create tokens for yourself")
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed({"name": ["名称必填，最多80字 / required, at most 80 characters"]})
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed({"expires_at": ["到期时间须晚于现在 / must be in the future"]})
    with unit_of_work(session):
        if session.get(User, user_id) is None:
            raise NotFound(f"未知用户：{user_id} / unknown user: {user_id}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(user_id=user_id, name=name, prefix=secret[:10], token_hash=_hash_token(secret),
                         created_at=now, expires_at=expires_at)
        session.add(token)
        session.flush()
        record(session, at=now, action="token.issued", subject_type="api_token", subject_id=token.id,
               actor_user_id=principal.user_id, details={"user_id": user_id, "name": name})
    return token, secret


def principal_for_token(session: Session, secret: str, now: datetime) -> Principal | None:
    """The principal a bearer token acts for, or None when unknown, revoked or expired."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    with unit_of_work(session):
        token = session.scalars(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret))).first()
        if token is None or not token.is_usable_at(now) or not token.user.is_active:
            return None
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
            token.last_used_at = now
        return principal_for(session, token.user)


def list_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    """The user's own tokens (an admin sees every token)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if not principal.is_admin:
        query = query.where(ApiToken.user_id == principal.user_id)
    return list(session.scalars(query))


def revoke_token(session: Session, principal: Principal, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token; someone else's token looks like a missing one."""
    with unit_of_work(session):
        token = session.get(ApiToken, token_id)
        if token is None or (token.user_id != principal.user_id and not principal.is_admin):
            raise NotFound(f"未知令牌：{token_id} / unknown token: {token_id}")
        if token.revoked_at is None:
            token.revoked_at = now
            record(session, at=now, action="token.revoked", subject_type="api_token",
                   subject_id=token.id, actor_user_id=principal.user_id)
    return token
