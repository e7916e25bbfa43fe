"""Organisations, users, API keys and AMBER sharing, as the store keeps them.

An API key is ``mk_<prefix>_<secret>``; only its SHA-256 is stored (``api_keys.key_hash``) and the
plain key is shown once, when it is made. ``viewer_for_key`` turns a presented key into the ``Viewer``
that every read filters by (store/access.py).

Mixed into ``Store`` (repository.py); uses its ``_read``/``_write`` sessions.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from marsad.store.access import Viewer
from marsad.store.schema import api_keys, org_shares, organisations, users, web_sessions


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    org_id: int
    org: str
    is_admin: bool


# the columns of a UserInfo, in its order (users joined with organisations)
_USER_INFO = (users.c.id, users.c.name, users.c.org_id, organisations.c.name, users.c.is_admin)


class AccountStoreMixin:
    def org_id(self, name: str, *, create: bool = False) -> int:
        """The id of organisation ``name``; with ``create``, made if missing. KeyError names it."""
        name = name.strip()
        if not name:
            raise ValueError("an organisation needs a name")
        with self._read() as s:  # type: ignore[attr-defined]
            got = s.execute(select(organisations.c.id).where(organisations.c.name == name)).scalar_one_or_none()
        if got is not None:
            return got
        if not create:
            raise KeyError(f"no organisation named {name!r}")
        with self._write() as s:  # type: ignore[attr-defined]
            return s.execute(insert(organisations).values(name=name, created_at=_now())
                             .returning(organisations.c.id)).scalar_one()

    def organisations(self) -> list[tuple[int, str]]:
        with self._read() as s:  # type: ignore[attr-defined]
            return [tuple(r) for r in s.execute(select(organisations.c.id, organisations.c.name)
                                                .order_by(organisations.c.id))]

    def amber_shares(self) -> list[tuple[int, int]]:
        """(organisation, partner it shares AMBER with) pairs."""
        with self._read() as s:  # type: ignore[attr-defined]
            return [tuple(r) for r in s.execute(select(org_shares.c.org_id, org_shares.c.partner_id))]

    def users_list(self) -> list[tuple[str, str, bool, int]]:
        """(user, organisation, admin, active keys) rows."""
        active = (select(func.count()).select_from(api_keys)
                  .where(api_keys.c.user_id == users.c.id, api_keys.c.revoked_at.is_(None)).scalar_subquery())
        with self._read() as s:  # type: ignore[attr-defined]
            return [tuple(r) for r in s.execute(
                select(users.c.name, organisations.c.name, users.c.is_admin, active)
                .join(organisations, organisations.c.id == users.c.org_id).order_by(users.c.name))]

    def api_keys_list(self, user: str | None = None) -> list[tuple]:
        q = (select(api_keys.c.prefix, users.c.name, api_keys.c.label, api_keys.c.created_at,
                    api_keys.c.last_used_at, api_keys.c.revoked_at)
             .join(users, users.c.id == api_keys.c.user_id).order_by(api_keys.c.created_at))
        if user:
            q = q.where(users.c.name == user)
        with self._read() as s:  # type: ignore[attr-defined]
            return [tuple(r) for r in s.execute(q)]

    def create_user(self, name: str, org: str, *, is_admin: bool = False) -> int:
        """A user in organisation ``org`` (made if missing); ValueError if the name is taken."""
        org_id = self.org_id(org, create=True)
        with self._read() as s:  # type: ignore[attr-defined]
            if s.execute(select(users.c.id).where(users.c.name == name)).first():
                raise ValueError(f"a user named {name!r} already exists")
        with self._write() as s:  # type: ignore[attr-defined]
            return s.execute(insert(users).values(name=name, org_id=org_id, is_admin=is_admin, created_at=_now())
                             .returning(users.c.id)).scalar_one()

    def user(self, name: str) -> UserInfo | None:
        with self._read() as s:  # type: ignore[attr-defined]
            r = s.execute(select(*_USER_INFO)
                          .join(organisations, organisations.c.id == users.c.org_id)
                          .where(users.c.name == name)).first()
        return UserInfo(*r) if r else None

    def create_api_key(self, user: str, label: str | None = None) -> str:
        """A new key for ``user``; the plain key is returned once and never stored."""
        info = self.user(user)
        if info is None:
            raise KeyError(f"no user named {user!r}")
        prefix = secrets.token_hex(4)
        key = f"mk_{prefix}_{secrets.token_urlsafe(24)}"
        with self._write() as s:  # type: ignore[attr-defined]
            s.execute(insert(api_keys).values(user_id=info.id, prefix=prefix, key_hash=hash_key(key), label=label,
                                              created_at=_now()))
        return key

    def revoke_api_key(self, prefix: str) -> bool:
        """Revokes the key and ends the web sessions opened with it."""
        now = _now()
        with self._write() as s:  # type: ignore[attr-defined]
            n = s.execute(update(api_keys).where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
                          .values(revoked_at=now)).rowcount
            keys = select(api_keys.c.id).where(api_keys.c.prefix == prefix)
            s.execute(update(web_sessions).where(web_sessions.c.api_key_id.in_(keys), web_sessions.c.revoked_at.is_(None))
                      .values(revoked_at=now))
        return bool(n)

    def share_amber(self, org: str, partner: str) -> None:
        """``org`` shares its TLP:AMBER items with ``partner`` (one direction)."""
        a, b = self.org_id(org), self.org_id(partner)
        if a == b:
            return
        with self._write() as s:  # type: ignore[attr-defined]
            if not s.execute(select(org_shares.c.org_id).where(org_shares.c.org_id == a,
                                                                org_shares.c.partner_id == b)).first():
                s.execute(insert(org_shares).values(org_id=a, partner_id=b, created_at=_now()))

    def viewer_for_user(self, info: UserInfo) -> Viewer:
        with self._read() as s:  # type: ignore[attr-defined]
            partners = frozenset(s.execute(select(org_shares.c.org_id)
                                           .where(org_shares.c.partner_id == info.org_id)).scalars())
        return Viewer(user_id=info.id, org_id=info.org_id, name=info.name, is_admin=info.is_admin,
                      partners_of=partners)

    def viewer_for_key(self, key: str) -> Viewer | None:
        """The viewer a presented API key stands for; None for an unknown or revoked key."""
        if not key or not key.startswith("mk_"):
            return None
        with self._read() as s:  # type: ignore[attr-defined]
            r = s.execute(select(*_USER_INFO,
                                 api_keys.c.id, api_keys.c.last_used_at)
                          .join(api_keys, api_keys.c.user_id == users.c.id)
                          .join(organisations, organisations.c.id == users.c.org_id)
                          .where(api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None))).first()
        if r is None:
            return None
        self._touch(api_keys.c.id, api_keys.c.last_used_at, r[5], r[6])
        return self.viewer_for_user(UserInfo(*r[:5]))

    def _touch(self, id_col, seen_col, row_id, last: dt.datetime | None) -> None:  # noqa: ANN001
        """Records use at most every five minutes, so that reads stay reads."""
        now = _now()
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.timezone.utc)
        if last is None or now - last > dt.timedelta(minutes=5):
            with self._write() as s:  # type: ignore[attr-defined]
                s.execute(update(id_col.table).where(id_col == row_id).values({seen_col.name: now}))

    # ---------------------------------------------------------------- web sessions (migration 0005)
    def create_web_session(self, key: str) -> str | None:
        """A web login with API key ``key``: a new random session token (the cookie's only secret; the store
        keeps its sha256), or None for an unknown or revoked key."""
        if not key or not key.startswith("mk_"):
            return None
        with self._read() as s:  # type: ignore[attr-defined]
            r = s.execute(select(api_keys.c.id, api_keys.c.user_id)
                          .where(api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None))).first()
        if r is None:
            return None
        token = secrets.token_urlsafe(32)
        now = _now()
        with self._write() as s:  # type: ignore[attr-defined]
            s.execute(insert(web_sessions).values(id=hash_key(token), user_id=r[1], api_key_id=r[0], created_at=now,
                                                  last_seen_at=now))
        return token

    def viewer_for_session(self, token: str) -> Viewer | None:
        """The viewer a web session token stands for; None once logged out, or once its API key is revoked."""
        if not token:
            return None
        with self._read() as s:  # type: ignore[attr-defined]
            r = s.execute(select(*_USER_INFO,
                                 web_sessions.c.id, web_sessions.c.last_seen_at)
                          .join(users, users.c.id == web_sessions.c.user_id)
                          .join(organisations, organisations.c.id == users.c.org_id)
                          .join(api_keys, api_keys.c.id == web_sessions.c.api_key_id)
                          .where(web_sessions.c.id == hash_key(token), web_sessions.c.revoked_at.is_(None),
                                 api_keys.c.revoked_at.is_(None))).first()
        if r is None:
            return None
        self._touch(web_sessions.c.id, web_sessions.c.last_seen_at, r[5], r[6])
        return self.viewer_for_user(UserInfo(*r[:5]))

    def revoke_web_session(self, token: str) -> bool:
        """Logout: the session token no longer stands for anyone, wherever its cookie was copied to."""
        if not token:
            return False
        with self._write() as s:  # type: ignore[attr-defined]
            n = s.execute(update(web_sessions).where(web_sessions.c.id == hash_key(token),
                                                     web_sessions.c.revoked_at.is_(None))
                          .values(revoked_at=_now())).rowcount
        return bool(n)


__all__ = ["AccountStoreMixin", "UserInfo", "hash_key"]
