"""Pure rules of retirement plans: which phase a day falls in, what a phase forbids, what a valid
plan looks like. Values in, values out: no session, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from itertools import pairwise

from sunset.plans.vocabulary import DATED_PHASES, LABELS, Phase

OPTIONS = (
    "Options: move to the operator's mobile or fixed-line service, keeping the number where an "
    "offer allows it, or port the number to another operator (携号转网)."
)


@dataclass(frozen=True)
class PlanDates:
    """The date each phase starts; a phase without a date is skipped."""

    announced: date | None = None
    no_new_sales: date | None = None
    topups_refused: date | None = None
    switched_off: date | None = None
    cleared: date | None = None

    def date_of(self, phase: Phase) -> date | None:
        """Return the day ``phase`` starts (None when the plan skips it)."""
        return None if phase is Phase.IN_SERVICE else getattr(self, phase.value)

    def phase_on(self, day: date) -> Phase:
        """Return the phase in force on ``day``: the latest dated phase that has started.

        >>> PlanDates(announced=date(2011, 6, 1), switched_off=date(2012, 1, 10)).phase_on(
        ...     date(2011, 12, 31))
        <Phase.ANNOUNCED: 'announced'>
        """
        current = Phase.IN_SERVICE
        for phase in DATED_PHASES:
            start = self.date_of(phase)
            if start is not None and start <= day:
                current = phase
        return current

    def is_at_least(self, phase: Phase, day: date) -> bool:
        """Tell whether ``day`` is on or after the start of ``phase`` (or of a later one)."""
        order = [Phase.IN_SERVICE, *DATED_PHASES]
        return order.index(self.phase_on(day)) >= order.index(phase)

    def dated(self) -> list[tuple[Phase, date]]:
        """Return the phases this plan dates, in order."""
        return [(p, d) for p in DATED_PHASES if (d := self.date_of(p)) is not None]

    def with_changes(self, **changes: date | None) -> PlanDates:
        """Return a copy with some phase dates changed."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown phase(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)


@dataclass(frozen=True)
class PlanCheck:
    """What is wrong with a plan (refused) and what is only worth a warning."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_plan(
    new: PlanDates,
    *,
    old: PlanDates | None,
    today: date,
    min_notice_days: int,
    deadline: date | None,
) -> PlanCheck:
    """Check a new or changed plan against the rules of notice, order, deadline and the past.

    Worked example: announced 2011-11-01 and switched off 2012-01-10 is 70 days of notice; with
    the default minimum of 90 days the switch-off must be on 2012-01-30 or later.
    """
    errors = [
        *_order_errors(new),
        *_notice_errors(new, min_notice_days),
        *_past_errors(new, old, today),
    ]
    warnings = []
    if deadline and new.switched_off and new.switched_off > deadline:
        warnings.append(
            f"switch-off on {new.switched_off} is after the regulator's deadline {deadline}"
        )
    if deadline and new.switched_off is None and new.dated():
        warnings.append(f"the plan sets no switch-off date; the regulator's deadline is {deadline}")
    return PlanCheck(errors, warnings)


def _order_errors(plan: PlanDates) -> list[str]:
    dated = plan.dated()
    return [
        f"{LABELS[b]} on {db} comes before {LABELS[a]} on {da}: phases must come in order"
        for (a, da), (b, db) in pairwise(dated)
        if db < da
    ]


def _notice_errors(plan: PlanDates, min_notice_days: int) -> list[str]:
    if plan.switched_off is None:
        return []
    if plan.announced is None:
        return [f"a switch-off needs an announcement at least {min_notice_days} days before it"]
    earliest = plan.announced + timedelta(days=min_notice_days)
    if plan.switched_off < earliest:
        notice = (plan.switched_off - plan.announced).days
        return [
            f"switch-off on {plan.switched_off} gives {notice} days of notice after the "
            f"announcement on {plan.announced}; the minimum is {min_notice_days} days "
            f"(switch off on {earliest} or later)"
        ]
    return []


def _past_errors(new: PlanDates, old: PlanDates | None, today: date) -> list[str]:
    errors = []
    for phase in DATED_PHASES:
        before = old.date_of(phase) if old else None
        after = new.date_of(phase)
        if before == after:
            continue
        if before is not None and before <= today:
            errors.append(
                f"{LABELS[phase]} already started on {before}: it cannot be moved or removed"
            )
        elif after is not None and after < today:
            errors.append(f"{LABELS[phase]} on {after} would be in the past (today is {today})")
    return errors


def degrade_errors(
    degrade_on: date | None, *, old: date | None, plan: PlanDates, today: date
) -> list[str]:
    """Check the optional step before switch-off: bar outgoing calls (emergency numbers
    excepted) from a day before the switch-off, never moved once it has begun or into the past."""
    errors = []
    if degrade_on != old:
        if old is not None and old <= today:
            errors.append(f"degradation already began on {old}: it cannot be moved or removed")
        elif degrade_on is not None and degrade_on < today:
            errors.append(f"degradation on {degrade_on} would be in the past (today is {today})")
    if degrade_on is not None and plan.switched_off is None:
        errors.append("degradation is a step before a switch-off: set the switch-off date too")
    elif degrade_on is not None and plan.switched_off and degrade_on >= plan.switched_off:
        errors.append(
            f"degradation on {degrade_on} must come before the switch-off on {plan.switched_off}"
        )
    return errors


@dataclass(frozen=True)
class Refusal:
    """Why an operation is refused: a stable code and a message naming the phase and options."""

    code: str
    message: str


def _phase_sentence(plan: PlanDates, phase: Phase, where: str) -> str:
    sentence = f"{where} is in phase {LABELS[phase]} since {plan.date_of(phase)}"
    if plan.switched_off and phase is not Phase.SWITCHED_OFF and phase is not Phase.CLEARED:
        sentence += f"; it will be switched off on {plan.switched_off}"
    return sentence + "."


def may_operate(plan: PlanDates, day: date, *, where: str) -> Refusal | None:
    """Refuse any operation on a line once its network is switched off."""
    if plan.is_at_least(Phase.SWITCHED_OFF, day):
        phase = plan.phase_on(day)
        return Refusal(
            "LINE_SWITCHED_OFF",
            f"The old network is off: {_phase_sentence(plan, phase, where)} {OPTIONS}",
        )
    return None


def may_activate(plan: PlanDates, day: date, *, where: str) -> Refusal | None:
    """Refuse activations and re-activations from the no-new-sales phase on."""
    if refusal := may_operate(plan, day, where=where):
        return refusal
    if plan.is_at_least(Phase.NO_NEW_SALES, day):
        phase = plan.phase_on(day)
        return Refusal(
            "ACTIVATION_REFUSED_NO_NEW_SALES",
            f"No new lines: {_phase_sentence(plan, phase, where)} {OPTIONS}",
        )
    return None


def may_top_up(plan: PlanDates, day: date, *, where: str) -> Refusal | None:
    """Refuse payments from the top-ups-refused phase on; the balance still works until used."""
    if refusal := may_operate(plan, day, where=where):
        return refusal
    if plan.is_at_least(Phase.TOPUPS_REFUSED, day):
        phase = plan.phase_on(day)
        return Refusal(
            "TOPUP_REFUSED_PHASE",
            f"Top-ups are refused: {_phase_sentence(plan, phase, where)} The line keeps "
            f"working while its balance lasts. {OPTIONS}",
        )
    return None


def deadline_status(plan: PlanDates, deadline: date | None, *, today: date) -> str:
    """Say where a plan stands against the network's deadline, as one word.

    ``no_deadline`` (the network has none), ``no_date`` (no switch-off set), ``late`` (switch-off
    planned after the deadline), ``missed`` (the deadline passed before the switch-off), ``met``
    (switched off by the deadline) or ``on_track`` (switch-off planned by the deadline).

    >>> d = date(2011, 12, 31)
    >>> deadline_status(PlanDates(switched_off=date(2012, 1, 10)), d, today=date(2011, 9, 1))
    'late'
    >>> deadline_status(PlanDates(switched_off=date(2011, 6, 1)), d, today=date(2011, 9, 1))
    'met'
    """
    off = plan.switched_off
    if deadline is None:
        return "no_deadline"
    if off is None:
        return "missed" if today > deadline else "no_date"
    if off > deadline:
        return "missed" if today > deadline else "late"
    return "met" if off <= today else "on_track"


@dataclass(frozen=True)
class Standing:
    """Where a region stands against its own plan at a month-end.

    ``status``: ``cleared`` (no line left), ``on_plan``, ``behind`` (more lines than the plan's
    path allows), ``overdue`` (lines left after the plan's switch-off day) or ``no_date`` (the
    plan sets no switch-off). ``lines_behind``: the lines over the path (all the lines left, once
    overdue); ``days_behind``: the days since the switch-off day, once overdue; ``planned``: the
    lines the path allows at the month-end (None without a path).
    """

    status: str
    lines_behind: int = 0
    days_behind: int = 0
    planned: int | None = None


def plan_standing(
    plan: PlanDates, *, remaining: int, month_end: date, start: tuple[date, int] | None, today: date
) -> Standing:
    """Say whether ``remaining`` lines at ``month_end`` are on the plan's path, and how far off.

    The path runs straight from the lines at its ``start`` (a month-end and its lines: the last
    one on or before the announcement, or the first recorded) down to none on the switch-off
    day; "on plan" is at most the lines it allows, rounded up. After the switch-off day any line
    left is behind, by the days since that day (counted to ``today``).

    Worked example: 1,300 lines on 2011-05-31, switched off on 2011-12-31 (214 days on): on
    2011-08-31, 92 days on, the path allows ceil(1300 x 122 / 214) = 742 lines; 900 are 158
    behind.

    >>> plan = PlanDates(announced=date(2011, 5, 1), switched_off=date(2011, 12, 31))
    >>> plan_standing(plan, remaining=900, month_end=date(2011, 8, 31),
    ...               start=(date(2011, 5, 31), 1300), today=date(2011, 9, 15))
    Standing(status='behind', lines_behind=158, days_behind=0, planned=742)
    >>> plan_standing(plan, remaining=12, month_end=date(2012, 1, 31),
    ...               start=(date(2011, 5, 31), 1300), today=date(2012, 2, 10)).days_behind
    41
    """
    off = plan.switched_off
    if remaining <= 0:
        return Standing("cleared")
    if off is None:
        return Standing("no_date")
    if month_end >= off:
        return Standing("overdue", remaining, max((today - off).days, 0), 0)
    if start is None or start[0] >= off:
        return Standing("on_plan")
    since, lines = start
    to_go, span = (off - max(month_end, since)).days, (off - since).days
    planned = -(-lines * to_go // span)  # rounded up: the path never asks for part of a line
    behind = max(remaining - planned, 0)
    return Standing("behind" if behind else "on_plan", behind, 0, planned)


def days_past_deadline(plan: PlanDates, deadline: date | None, *, today: date) -> int | None:
    """Return how many days a region is past the regulator's deadline: its switch-off's lateness
    once switched off, else the days since the deadline (None: not past it, or no deadline).

    >>> d = date(2011, 12, 31)
    >>> days_past_deadline(PlanDates(switched_off=date(2012, 1, 10)), d, today=date(2012, 12, 31))
    10
    >>> days_past_deadline(PlanDates(), d, today=date(2012, 12, 31))
    366
    """
    if deadline is None:
        return None
    off = plan.switched_off
    end = off if off is not None and off <= today else today
    return (end - deadline).days if end > deadline else None
