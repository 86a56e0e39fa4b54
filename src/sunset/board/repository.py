"""Every select, insert and update of public notices and comments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sunset.board.models import Comment, PublicNotice
from sunset.board.vocabulary import Outcome


def find_notice(
    session: Session, *, area_code: str, network_code: str, phase: str, effective_on: date
) -> PublicNotice | None:
    """Return the notice of a phase on a date, if published."""
    return session.scalar(
        select(PublicNotice).where(
            PublicNotice.area_code == area_code,
            PublicNotice.network_code == network_code,
            PublicNotice.phase == phase,
            PublicNotice.effective_on == effective_on,
        )
    )


def add(session: Session, row: PublicNotice | Comment) -> None:
    """Store a new notice or comment."""
    session.add(row)
    session.flush()


def get_notice(session: Session, notice_id: int) -> PublicNotice | None:
    """Return a notice by id."""
    return session.get(PublicNotice, notice_id)


def list_notices(session: Session, *, area_code: str | None = None) -> list[PublicNotice]:
    """Return notices (of one region) by effective date."""
    query = select(PublicNotice).order_by(PublicNotice.effective_on, PublicNotice.id)
    if area_code is not None:
        query = query.where(PublicNotice.area_code == area_code)
    return list(session.scalars(query))


def notice_stamp(session: Session) -> tuple[int, int]:
    """How many notices there are and the highest id: the related index is stale when it moves."""
    count, top = session.execute(
        select(func.count(), func.coalesce(func.max(PublicNotice.id), 0))
    ).one()
    return int(count), int(top)


def notice_texts(session: Session) -> tuple[list[int], list[str]]:
    """Every notice's id and its whole text (titles and bodies in both languages)."""
    n = PublicNotice
    rows = session.execute(
        select(n.id, n.title_zh, n.body_zh, n.title_en, n.body_en).order_by(n.id)
    ).all()
    return [r[0] for r in rows], [" ".join(r[1:]) for r in rows]


def notices_by_id(session: Session, ids: list[int]) -> dict[int, PublicNotice]:
    """Return the notices with these ids."""
    if not ids:
        return {}
    found = session.scalars(select(PublicNotice).where(PublicNotice.id.in_(ids)))
    return {n.id: n for n in found}


def posts_since(
    session: Session, *, author: str | None = None, ip: str | None = None, since: datetime
) -> int:
    """Count comments by an author (or from an address) posted after ``since``."""
    query = select(func.count()).select_from(Comment).where(Comment.posted_at > since)
    query = query.where(Comment.author == author) if author is not None else query
    query = query.where(Comment.ip == ip) if ip is not None else query
    return int(session.scalar(query) or 0)


def has_duplicate(
    session: Session,
    *,
    fingerprint: str,
    notice_id: int,
    author: str,
    ip: str | None,
    since: datetime,
) -> bool:
    """Tell whether the same text was posted under the notice, or lately by the same poster."""
    poster = (
        Comment.author == author if ip is None else or_(Comment.author == author, Comment.ip == ip)
    )
    query = select(Comment.id).where(
        Comment.fingerprint == fingerprint,
        Comment.outcome != Outcome.REFUSED.value,
        or_(Comment.notice_id == notice_id, (Comment.posted_at > since) & poster),
    )
    return session.scalar(query.limit(1)) is not None


def comments_of(session: Session, notice_id: int, *, outcome: Outcome) -> list[Comment]:
    """Return a notice's comments with one outcome, oldest first."""
    query = (
        select(Comment)
        .where(Comment.notice_id == notice_id, Comment.outcome == outcome.value)
        .order_by(Comment.posted_at, Comment.id)
    )
    return list(session.scalars(query))


def review_queue(session: Session) -> list[Comment]:
    """Return every comment held for review, oldest first."""
    query = select(Comment).where(Comment.outcome == Outcome.REVIEW.value).order_by(Comment.id)
    return list(session.scalars(query))


def get_comment(session: Session, comment_id: int) -> Comment | None:
    """Return a comment by id."""
    return session.get(Comment, comment_id)
