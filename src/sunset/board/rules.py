"""Pure moderation of one comment: the first rule that fires, in words.

Worked example (defaults): "顶顶顶!!!" collapses to 顶, a filler word: 0 meaningful
characters, refused as empty; "我家的信号已经没了半年" has 11 and passes; "沙发！" is a
first-post grab; "沙发！我家也没信号好几个月了" says more after the grab: held for review.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from sunset.board.vocabulary import Outcome

_RUNS = re.compile(r"(.)\1+")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
# One unit: a Chinese character, a word of other letters, or a number.
_UNITS = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]+|\d+")


class SpamRule(BaseModel):
    """A pattern that marks spam, and what it finds in words."""

    pattern: str
    words: str


class ModerationRules(BaseModel):
    """The configurable rules (see board/data/moderation.yaml)."""

    model_config = ConfigDict(frozen=True)

    min_meaningful: int = Field(ge=0)
    filler_words: list[str]
    first_post_words: list[str]
    spam: dict[str, SpamRule]
    review_digits: str
    duplicate_hours: int = Field(ge=0)
    max_per_author_per_hour: int = Field(ge=1)
    max_per_address_per_hour: int = Field(ge=1)

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        """Spam patterns compiled once."""
        return {name: re.compile(rule.pattern) for name, rule in self.spam.items()}

    @cached_property
    def filler_only(self) -> re.Pattern[str]:
        """A whole comment made of filler words."""
        words = sorted((normalise(w) for w in self.filler_words), key=len, reverse=True)
        return re.compile("(?:" + "|".join(re.escape(w) for w in words if w) + ")+")

    @cached_property
    def grabs(self) -> re.Pattern[str]:
        """Any first-post word."""
        words = sorted((normalise(w) for w in self.first_post_words), key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in words if w))


@dataclass(frozen=True)
class History:
    """What the board already holds that bears on a new comment."""

    author_posts_last_hour: int
    address_posts_last_hour: int
    duplicate: bool


@dataclass(frozen=True)
class Decision:
    """The outcome, the rule that decided it (None when accepted) and why, in words."""

    outcome: Outcome
    rule: str | None
    message: str


def normalise(text: str) -> str:
    """Fold width and case, drop everything but letters and digits, collapse repeated ones."""
    folded = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    return _RUNS.sub(r"\1", kept)


def fingerprint(text: str) -> str:
    """A stable digest of the normalised text: the same comment again has the same one."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def meaningful(text: str, rules: ModerationRules) -> int:
    """Count meaningful characters: a Chinese character, a Latin word or a number is one; a
    repeated one counts once (哈哈哈 -> 1); a comment of filler words only counts zero."""
    kept = normalise(text)
    if not kept or rules.filler_only.fullmatch(kept):
        return 0
    units = [_RUNS.sub(r"\1", u) for u in _UNITS.findall(_folded(text))]
    return sum(1 for i, unit in enumerate(units) if i == 0 or unit != units[i - 1])


def moderate(text: str, author: str, history: History, rules: ModerationRules) -> Decision:
    """Decide on one comment: rate limits, spam, duplicates, first-post grabs, empty posts."""
    for check in (_rate, _spam, _duplicate, _first_post, _too_short, _borderline):
        decision = check(text, author, history, rules)
        if decision is not None:
            return decision
    return Decision(Outcome.ACCEPTED, None, "published")


def _refused(rule: str, message: str) -> Decision:
    return Decision(Outcome.REFUSED, rule, message)


def _rate(text: str, author: str, history: History, rules: ModerationRules) -> Decision | None:
    if history.author_posts_last_hour >= rules.max_per_author_per_hour:
        return _refused(
            "rate_author",
            f"refused by the rate limit: {author} has posted {history.author_posts_last_hour} "
            f"comments in the last hour (at most {rules.max_per_author_per_hour})",
        )
    if history.address_posts_last_hour >= rules.max_per_address_per_hour:
        return _refused(
            "rate_address",
            f"refused by the rate limit: this address has posted "
            f"{history.address_posts_last_hour} comments in the last hour "
            f"(at most {rules.max_per_address_per_hour})",
        )
    return None


def _spam(text: str, author: str, history: History, rules: ModerationRules) -> Decision | None:
    folded = _folded(text)
    for name, pattern in rules.compiled.items():
        if pattern.search(folded):
            return _refused(
                name,
                f"refused as spam: the comment contains {rules.spam[name].words} "
                "(advertising and contact details are not allowed on the board)",
            )
    return None


def _duplicate(text: str, author: str, history: History, rules: ModerationRules) -> Decision | None:
    if not history.duplicate:
        return None
    return _refused(
        "duplicate",
        "refused as a duplicate: the same text was already posted (by this author or address "
        f"within {rules.duplicate_hours} hours, or under this notice)",
    )


def _first_post(
    text: str, author: str, history: History, rules: ModerationRules
) -> Decision | None:
    grab = rules.grabs.search(normalise(text))
    if grab is None:
        return None
    rest = meaningful(rules.grabs.sub(" ", _folded(text)), rules)
    if rest < rules.min_meaningful:
        return _refused(
            "first_post",
            f"refused as a first-post grab: {grab.group(0)!r} claims a place (抢沙发) and says "
            "nothing about the notice",
        )
    return Decision(
        Outcome.REVIEW,
        "first_post",
        f"held for review: it opens with a first-post grab ({grab.group(0)!r}) but says more",
    )


def _too_short(text: str, author: str, history: History, rules: ModerationRules) -> Decision | None:
    count = meaningful(text, rules)
    if count >= rules.min_meaningful:
        return None
    return _refused(
        "too_short",
        f"refused as empty: {count} meaningful character(s) once punctuation, emoji, repeats "
        f"and filler words (顶, 好, +1, 路过, 666) are left out; at least "
        f"{rules.min_meaningful} needed",
    )


def _borderline(
    text: str, author: str, history: History, rules: ModerationRules
) -> Decision | None:
    if re.search(rules.review_digits, _folded(text)) is None:
        return None
    return Decision(
        Outcome.REVIEW,
        "possible_contact",
        "held for review: a long number may be a contact (QQ, account) or a fair detail",
    )
