"""The shapes of board answers (also their JSON)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from sunset.kit.moments import Moment


class RelatedNotice(BaseModel):
    """Another notice close in content, with its similarity (0 to 1)."""

    id: int
    title_zh: str
    title_en: str
    similarity: float


class CommentView(BaseModel):
    """A comment on the board."""

    id: int
    notice_id: int
    author: str
    text: str
    outcome: str
    rule: str | None
    message: str
    posted_at: Moment


class NoticeView(BaseModel):
    """A public notice with its related notices and its published comments."""

    id: int
    area_code: str
    network: str
    phase: str
    effective_on: date
    published_on: date
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    related: list[RelatedNotice] = []
    comments: list[CommentView] = []


class ModerationAnswer(BaseModel):
    """What the board did with a comment: exactly the JSON `sunset comment` prints."""

    outcome: str
    rule: str | None
    message: str
