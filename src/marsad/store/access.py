"""Who may see what: TLP 2.0 markings and organisations.

Every document carries an owning organisation (``documents.org_id``), a TLP marking (``documents.tlp``)
and the user who ingested it (``documents.created_by``). Everything derived from a document (mentions,
dates, quantities, claims, events) is reached through its document, so one condition on ``documents``
(``visible_documents``) filters every route: lists, search, entity pages, exports and TAXII.

The rules, after FIRST's TLP 2.0 definitions, with the marsad organisation as the recipient unit:

- CLEAR: anyone, also unauthenticated requests.
- GREEN: the community, i.e. any authenticated user of this marsad instance.
- AMBER: the owning organisation, and organisations it shares AMBER with (``org_shares``).
- AMBER+STRICT: the owning organisation only.
- RED: the user who ingested it only (named recipients); with no ingesting user, the owning organisation.

The local command line works as ``SYSTEM`` (the operator of the database sees everything); the API and the
web interface build a ``Viewer`` from the request's API key, or ``ANONYMOUS`` without one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from marsad.store import schema

TLP_LEVELS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
# STIX 2.1 ships marking-definitions for TLP 1.0 (white/green/amber/red); TLP 2.0 CLEAR and AMBER+STRICT
# have no predefined object, so exports define them (exports code); this maps to the 1.0 names where equal.
TLP_V1 = {"CLEAR": "white", "GREEN": "green", "AMBER": "amber", "RED": "red"}


def normalize_tlp(value: str | None) -> str:
    """``"amber+strict"``, ``"TLP:AMBER"``, ``"white"`` → the TLP 2.0 name; a ValueError names the value."""
    if value is None:
        return "CLEAR"
    v = value.strip().upper().removeprefix("TLP:").replace(" ", "")
    v = {"WHITE": "CLEAR", "AMBER-STRICT": "AMBER+STRICT", "AMBER_STRICT": "AMBER+STRICT"}.get(v, v)
    if v not in TLP_LEVELS:
        raise ValueError(f"{value!r} is not a TLP marking; use one of: {', '.join(TLP_LEVELS)}")
    return v


@dataclass(frozen=True)
class Viewer:
    """Who is asking. ``partners_of``: the organisations that share their AMBER items with this viewer's
    organisation (filled from ``org_shares`` when the viewer is authenticated)."""
    user_id: int | None = None
    org_id: int | None = None
    name: str | None = None
    is_admin: bool = False
    partners_of: frozenset[int] = field(default_factory=frozenset)
    system: bool = False

    @property
    def authenticated(self) -> bool:
        return self.system or self.user_id is not None


@dataclass(frozen=True)
class Sharing:
    """What a newly stored document gets: its owning organisation, TLP marking and ingesting user."""
    org_id: int | None = None
    tlp: str = "CLEAR"
    created_by: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tlp", normalize_tlp(self.tlp))
        if self.tlp in ("AMBER", "AMBER+STRICT") and self.org_id is None:
            raise ValueError(f"TLP:{self.tlp} needs an owning organisation (--org or --user)")
        if self.tlp == "RED" and self.org_id is None and self.created_by is None:
            raise ValueError("TLP:RED needs an owning organisation or user (--org or --user)")

    def as_dict(self) -> dict:
        return {"org_id": self.org_id, "tlp": self.tlp, "created_by": self.created_by}

    @classmethod
    def from_dict(cls, d: dict | None) -> "Sharing":
        return cls(**d) if d else cls()


ANONYMOUS = Viewer()
SYSTEM = Viewer(name="system", system=True)


def visible_documents(viewer: Viewer, docs=schema.documents) -> ColumnElement[bool]:  # noqa: ANN001
    """The SQL condition on ``documents`` (or an alias of it) for the documents ``viewer`` may see."""
    if viewer.system:
        return true()
    tlp, org = docs.c.tlp, docs.c.org_id
    if not viewer.authenticated:
        return tlp == "CLEAR"
    own = org == viewer.org_id if viewer.org_id is not None else false()
    parts = [tlp.in_(("CLEAR", "GREEN")),
             and_(tlp.in_(("AMBER", "AMBER+STRICT")), own),
             and_(tlp == "RED", or_(docs.c.created_by == viewer.user_id,
                                    and_(docs.c.created_by.is_(None), own)))]
    if viewer.partners_of:
        parts.append(and_(tlp == "AMBER", org.in_(sorted(viewer.partners_of))))
    return or_(*parts)


def can_see(viewer: Viewer, *, tlp: str, org_id: int | None, created_by: int | None = None) -> bool:
    """The same rule as ``visible_documents`` for one item already in memory."""
    if viewer.system or tlp == "CLEAR":
        return True
    if not viewer.authenticated:
        return False
    own = viewer.org_id is not None and org_id == viewer.org_id
    if tlp == "GREEN":
        return True
    if tlp == "AMBER":
        return own or (org_id is not None and org_id in viewer.partners_of)
    if tlp == "AMBER+STRICT":
        return own
    if tlp == "RED":
        return created_by == viewer.user_id if created_by is not None else own
    return False


def visible_document_ids(viewer: Viewer):  # noqa: ANN201
    """A subquery of the ids of the documents ``viewer`` may see (for tables keyed by document_id)."""
    d = schema.documents
    return select(d.c.id).where(visible_documents(viewer, d))


__all__ = ["ANONYMOUS", "SYSTEM", "TLP_LEVELS", "TLP_V1", "Sharing", "Viewer", "can_see", "normalize_tlp",
           "visible_document_ids", "visible_documents"]
