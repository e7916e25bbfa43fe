"""`marsad orgs|users|keys …`: the organisations, users and API keys that the API, the web interface and
TAXII authenticate, and the AMBER sharing between organisations (docs/sharing.md)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from marsad.cli import DbOpt, _fail, _store, out

orgs_app = typer.Typer(help="Organisations: add, list, share (TLP:AMBER with a partner).", no_args_is_help=True)
users_app = typer.Typer(help="Users: add, list.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


@orgs_app.command("add")
def org_add(name: Annotated[str, typer.Argument(help="Organisation name.")], db: DbOpt = None) -> None:
    """Add an organisation (nothing happens if it exists)."""
    store = _store(db, create=True)
    try:
        oid = store.org_id(name, create=True)
    except ValueError as exc:
        _fail(exc)
    store.close()
    out.print(f"organisation {name!r}: id {oid}")


@orgs_app.command("list")
def org_list(db: DbOpt = None) -> None:
    """Organisations and whom each shares TLP:AMBER with."""
    store = _store(db)
    rows = store.organisations()
    shares = store.amber_shares()
    store.close()
    t = Table("id", "organisation", "shares AMBER with", title=f"{len(rows)} organisations")
    names = dict(rows)
    for oid, name in rows:
        t.add_row(str(oid), name, ", ".join(names[p] for a, p in shares if a == oid))
    out.print(t)


@orgs_app.command("share")
def org_share(org: Annotated[str, typer.Argument(help="The organisation that shares.")],
              partner: Annotated[str, typer.Option("--with", help="The organisation that may then see ORG's TLP:AMBER items.")],
              db: DbOpt = None) -> None:
    """Let PARTNER's users see ORG's TLP:AMBER documents (one direction; AMBER+STRICT and RED are never shared)."""
    store = _store(db)
    try:
        store.share_amber(org, partner)
    except KeyError as exc:
        _fail(exc)
    store.close()
    out.print(f"{org!r} now shares TLP:AMBER with {partner!r}")


@users_app.command("add")
def user_add(name: Annotated[str, typer.Argument(help="User name (unique).")],
             org: Annotated[str, typer.Option(help="The user's organisation (made if new).")],
             admin: Annotated[bool, typer.Option("--admin", help="Mark the user as an organisation admin (recorded and listed; grants no extra rights yet).")] = False,
             key: Annotated[bool, typer.Option("--key/--no-key", help="Also create an API key and print it once.")] = True,
             db: DbOpt = None) -> None:
    """Add a user to an organisation (and print a new API key for them, shown only this once)."""
    store = _store(db, create=True)
    try:
        store.create_user(name, org, is_admin=admin)
        secret = store.create_api_key(name, label="created with the user") if key else None
    except (ValueError, KeyError) as exc:
        _fail(exc)
    store.close()
    out.print(f"user {name!r} in {org!r}")
    if secret:
        out.print(f"API key (store it now; marsad keeps only its hash): {secret}", highlight=False)


@users_app.command("list")
def user_list(db: DbOpt = None) -> None:
    """Users with their organisation and number of active keys."""
    store = _store(db)
    rows = store.users_list()
    store.close()
    t = Table("user", "organisation", "admin", "active keys", title=f"{len(rows)} users")
    for name, org, admin, keys in rows:
        t.add_row(name, org, "yes" if admin else "", str(keys))
    out.print(t)


@keys_app.command("create")
def key_create(user: Annotated[str, typer.Argument(help="User the key acts as.")],
               label: Annotated[Optional[str], typer.Option(help="What the key is for.")] = None,
               db: DbOpt = None) -> None:
    """Create an API key; it is printed once and only its hash is kept."""
    store = _store(db)
    try:
        secret = store.create_api_key(user, label=label)
    except KeyError as exc:
        _fail(exc)
    store.close()
    out.print(secret, highlight=False)


@keys_app.command("list")
def key_list(user: Annotated[Optional[str], typer.Argument(help="Only this user's keys.")] = None,
             db: DbOpt = None) -> None:
    """Keys by prefix (the secret part is never stored)."""
    store = _store(db)
    rows = store.api_keys_list(user)
    store.close()
    t = Table("prefix", "user", "label", "created", "last used", "revoked", title=f"{len(rows)} keys")
    for r in rows:
        t.add_row(*[str(x) if x is not None else "" for x in r])
    out.print(t)


@keys_app.command("revoke")
def key_revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix (`marsad keys list`).")],
               db: DbOpt = None) -> None:
    """Revoke a key at once: requests with it are then anonymous (TLP:CLEAR only)."""
    store = _store(db)
    done = store.revoke_api_key(prefix)
    store.close()
    if not done:
        _fail(KeyError(f"no active key with prefix {prefix!r}"))
    out.print(f"revoked key {prefix}")
