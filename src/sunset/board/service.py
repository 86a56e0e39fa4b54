"""The board: notices published from the plan phases, related notices, moderated comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from sunset.board import repository, rules, texts
from sunset.board.models import Comment, PublicNotice
from sunset.board.related import RelatedIndex
from sunset.board.schemas import CommentView, ModerationAnswer, NoticeView, RelatedNotice
from sunset.board.vocabulary import Outcome
from sunset.config import get_settings
from sunset.errors import InputInvalidError, NotFoundError
from sunset.plans import repository as plans
from sunset.plans.service import dates_of
from sunset.reference import repository as reference

_INDEX: dict[str, tuple[tuple[int, int], RelatedIndex]] = {}


@lru_cache(maxsize=4)
def _rules_from(path: Path | None) -> rules.ModerationRules:
    raw = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files("sunset.board").joinpath("data/moderation.yaml").read_text("utf-8")
    )
    try:
        return rules.ModerationRules.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValueError) as exc:
        raise InputInvalidError(
            f"moderation rules {path or '(shipped)'} are invalid: {exc}"
        ) from None


def moderation_rules() -> rules.ModerationRules:
    """Return the rules in force (SUNSET_MODERATION_FILE, else the shipped ones)."""
    return _rules_from(get_settings().moderation_file)


def publish_plan_notices(
    session: Session, *, area_code: str, network_code: str, today: date
) -> list[NoticeView]:
    """Publish a notice for every dated phase of a region's plan (once per phase and date)."""
    plan = plans.get(session, area_code=area_code, network_code=network_code)
    if plan is None:
        raise NotFoundError(f"no retirement plan for {network_code} in {area_code}")
    dates = dates_of(plan)
    city = reference.local_networks(session)[area_code]
    net = reference.networks(session)[network_code]
    published = []
    for phase in texts.PHASES:
        day = getattr(dates, phase)
        if day is None:
            continue
        found = repository.find_notice(
            session, area_code=area_code, network_code=network_code, phase=phase, effective_on=day
        )
        if found is None:
            words = texts.phase_notice(
                phase,
                day=day,
                city_zh=city.city_zh,
                city_en=city.city_en,
                net_zh=net.name_zh,
                net_en=net.name_en,
            )
            found = PublicNotice(
                area_code=area_code,
                network_code=network_code,
                phase=phase,
                effective_on=day,
                published_on=today,
                **words.__dict__,
            )
            repository.add(session, found)
        published.append(_view(found))
    return published


def show_notice(session: Session, *, notice_id: int, related: int = 5) -> NoticeView:
    """Return a notice with its closest notices and its published comments."""
    notice = _notice_or_raise(session, notice_id)
    view = _view(notice)
    close = related_index(session).related(notice_id, related)
    others = repository.notices_by_id(session, [i for i, _ in close])
    view.related = [
        RelatedNotice(id=i, title_zh=others[i].title_zh, title_en=others[i].title_en, similarity=s)
        for i, s in close
    ]
    view.comments = [
        _comment(c) for c in repository.comments_of(session, notice_id, outcome=Outcome.ACCEPTED)
    ]
    return view


def related_index(session: Session) -> RelatedIndex:
    """Return the related-notices index, rebuilt only when notices were added."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    stamp = repository.notice_stamp(session)
    cached = _INDEX.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, RelatedIndex(*repository.notice_texts(session)))
        _INDEX[key] = cached
    return cached[1]


def list_notices(session: Session, *, area_code: str | None = None) -> list[NoticeView]:
    """List the public notices (of one region)."""
    return [_view(n) for n in repository.list_notices(session, area_code=area_code)]


def post_comment(
    session: Session, *, notice_id: int, author: str, ip: str | None, text: str, now: datetime
) -> ModerationAnswer:
    """Moderate a comment and store it with its outcome (refused ones too: they count)."""
    _notice_or_raise(session, notice_id)
    if not author.strip():
        raise InputInvalidError("a comment needs an author")
    ruleset = moderation_rules()
    decision = rules.moderate(
        text, author, _history(session, notice_id, author, ip, text, now, ruleset), ruleset
    )
    repository.add(
        session,
        Comment(
            notice_id=notice_id,
            author=author,
            ip=ip,
            text=text,
            fingerprint=rules.fingerprint(text),
            outcome=decision.outcome.value,
            rule=decision.rule,
            message=decision.message,
            posted_at=now,
        ),
    )
    return ModerationAnswer(
        outcome=decision.outcome.value, rule=decision.rule, message=decision.message
    )


def _history(
    session: Session,
    notice_id: int,
    author: str,
    ip: str | None,
    text: str,
    now: datetime,
    ruleset: rules.ModerationRules,
) -> rules.History:
    hour_ago = now - timedelta(hours=1)
    return rules.History(
        author_posts_last_hour=repository.posts_since(session, author=author, since=hour_ago),
        address_posts_last_hour=(
            repository.posts_since(session, ip=ip, since=hour_ago) if ip else 0
        ),
        duplicate=repository.has_duplicate(
            session,
            fingerprint=rules.fingerprint(text),
            notice_id=notice_id,
            author=author,
            ip=ip,
            since=now - timedelta(hours=ruleset.duplicate_hours),
        ),
    )


def review_queue(session: Session) -> list[CommentView]:
    """List the comments held for review."""
    return [_comment(c) for c in repository.review_queue(session)]


def decide(session: Session, *, comment_id: int, accept: bool, moderator: str) -> CommentView:
    """Publish or refuse a comment held for review."""
    comment = repository.get_comment(session, comment_id)
    if comment is None or comment.outcome != Outcome.REVIEW.value:
        raise NotFoundError(f"no comment {comment_id} waiting for review")
    comment.outcome = (Outcome.ACCEPTED if accept else Outcome.REFUSED).value
    verdict = "published" if accept else "refused"
    comment.message = f"{verdict} by moderator {moderator} after review ({comment.rule})"
    session.flush()
    return _comment(comment)


def _notice_or_raise(session: Session, notice_id: int) -> PublicNotice:
    notice = repository.get_notice(session, notice_id)
    if notice is None:
        raise NotFoundError(f"no public notice {notice_id}")
    return notice


def _view(n: PublicNotice) -> NoticeView:
    return NoticeView(
        id=n.id,
        area_code=n.area_code,
        network=n.network_code,
        phase=n.phase,
        effective_on=n.effective_on,
        published_on=n.published_on,
        title_zh=n.title_zh,
        title_en=n.title_en,
        body_zh=n.body_zh,
        body_en=n.body_en,
    )


def _comment(c: Comment) -> CommentView:
    return CommentView(
        id=c.id,
        notice_id=c.notice_id,
        author=c.author,
        text=c.text,
        outcome=c.outcome,
        rule=c.rule,
        message=c.message,
        posted_at=c.posted_at,
    )
