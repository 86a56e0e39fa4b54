"""Benchmark the comment board: moderating one comment, related notices among many.

    .venv/bin/python benchmarks/board.py --notices 10000 --comments 100000

On a fresh SQLite database (or --database URL): NOTICES public notices (the phase texts of
`board.texts` for random regions and dates, each with a few sentences drawn from a pool, so no
two are alike) and COMMENTS earlier comments spread over them and over 2,000 authors. Timed:
`board.service.post_comment` for 2,000 new comments (real ones, empty ones, spam, grabs: the
rate-limit and duplicate queries included, a session per call, committed), then the related
notices of 500 random notices (`show_notice`'s index: built once, then asked), and the build of
the index itself. Prints p50/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, insert

from sunset.board import rules, service, texts
from sunset.board.models import Comment, PublicNotice
from sunset.db import make_engine, session_scope
from sunset.reference import repository as reference

SENTENCES = [
    "营业厅延长营业时间至晚上八点。",
    "老年用户可预约上门办理。",
    "办理移网赠送手机一部。",
    "携号转网须本人持身份证办理。",
    "余额可转入新号码或退还现金。",
    "Shops stay open until 8 pm.",
    "Elderly users may book a home visit.",
    "A handset is given with a move to mobile.",
    "Porting needs the holder's ID card.",
    "The balance moves to the new number or is refunded.",
    "部分偏远地区基站将提前关闭。",
    "Some remote base stations close earlier.",
]
COMMENTS = [
    "我家的信号已经没了半年",
    "基站拆了还照收月租，只收钱不服务！",
    "No signal here since March, still charged.",
    "顶顶顶!!!",
    "沙发！",
    "加微信 abc12345 领补贴",
    "看这里 http://spam.cn 低价手机",
    "小灵通什么时候停？老人用惯了",
    "沙发！我家也没信号好几个月了",
    "+1",
]


def seed_notices(engine: Engine, count: int, rng: random.Random) -> list[int]:
    """Insert ``count`` distinct notices; return their ids."""
    with session_scope(engine) as session:
        cities = list(reference.local_networks(session).values())
        net = reference.networks(session)["phs"]
        rows, seen = [], set()
        while len(rows) < count:
            city, phase = rng.choice(cities), rng.choice(texts.PHASES)
            day = date(2009, 1, 1) + timedelta(days=rng.randrange(2000))
            if (city.area_code, phase, day) in seen:
                continue
            seen.add((city.area_code, phase, day))
            words = texts.phase_notice(
                phase,
                day=day,
                city_zh=city.city_zh,
                city_en=city.city_en,
                net_zh=net.name_zh,
                net_en=net.name_en,
            )
            extra = " ".join(rng.sample(SENTENCES, 3))
            rows.append(
                {
                    "area_code": city.area_code,
                    "network_code": "phs",
                    "phase": phase,
                    "effective_on": day,
                    "published_on": day,
                    "title_zh": words.title_zh,
                    "title_en": words.title_en,
                    "body_zh": words.body_zh + extra,
                    "body_en": words.body_en + " " + extra,
                }
            )
        session.execute(insert(PublicNotice), rows)
        return [n.id for n in service.list_notices(session)]


def seed_comments(engine: Engine, ids: list[int], count: int, rng: random.Random) -> None:
    """Insert ``count`` earlier comments (a day before the timed ones)."""
    start = datetime(2011, 6, 30, 0, 0)
    rows = [
        {
            "notice_id": rng.choice(ids),
            "author": f"user{rng.randrange(2000)}",
            "ip": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "text": f"{rng.choice(COMMENTS)} #{i}",
            "fingerprint": rules.fingerprint(f"c{i}"),
            "outcome": "accepted",
            "rule": None,
            "message": "published",
            "posted_at": start + timedelta(seconds=i % 80000),
        }
        for i in range(count)
    ]
    with session_scope(engine) as session:
        for part in range(0, len(rows), 50_000):
            session.execute(insert(Comment), rows[part : part + 50_000])


def ms(samples: list[float]) -> str:
    """p50 and p99 of seconds, in milliseconds."""
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1000:.2f} ms, p99 {cuts[98] * 1000:.2f} ms"


def time_moderation(engine: Engine, ids: list[int], rng: random.Random, n: int) -> list[float]:
    """Post ``n`` comments one by one (a session each); return the seconds of each."""
    samples = []
    now = datetime(2011, 7, 1, 9, 0)
    for i in range(n):
        text = f"{rng.choice(COMMENTS)} {i}" if i % 3 else rng.choice(COMMENTS)
        started = time.perf_counter()
        with session_scope(engine, write=True) as session:
            service.post_comment(
                session,
                notice_id=rng.choice(ids),
                author=f"user{rng.randrange(2000)}",
                ip=f"10.1.{rng.randrange(256)}.{rng.randrange(256)}",
                text=text,
                now=now + timedelta(seconds=i),
            )
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='sunset-board-')}/board.db"
    engine = make_engine(url)
    rng = random.Random(7)
    ids = seed_notices(engine, args.notices, rng)
    seed_comments(engine, ids, args.comments, rng)
    print(f"{len(ids):,} notices, {args.comments:,} earlier comments")
    rules_only = []
    ruleset = service.moderation_rules()
    quiet = rules.History(0, 0, False)
    for i in range(20_000):
        started = time.perf_counter()
        rules.moderate(COMMENTS[i % len(COMMENTS)], "u", quiet, ruleset)
        rules_only.append(time.perf_counter() - started)
    print(f"moderation rules alone: {ms(rules_only)}")
    posted = time_moderation(engine, ids, rng, 2000)
    print(f"moderating one comment (service, database, commit): {ms(posted)}")
    with session_scope(engine) as session:
        started = time.perf_counter()
        index = service.related_index(session)
        built = time.perf_counter() - started
        asked = []
        for notice in rng.sample(ids, 500):
            started = time.perf_counter()
            service.show_notice(session, notice_id=notice)
            asked.append(time.perf_counter() - started)
        bare = []
        for notice in rng.sample(ids, 500):
            started = time.perf_counter()
            index.related(notice, 5)
            bare.append(time.perf_counter() - started)
    print(f"related index over {len(index):,} notices built in {built:.2f} s (once per change)")
    print(f"related notices of one notice: {ms(bare)} (index); show_notice in all: {ms(asked)}")
    engine.dispose()


if __name__ == "__main__":
    main()
