"""Checksum-valid fictitious identifiers for the demo region, tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import random

from .validators import USCC_CHARS, id_check_char, uscc_check_char


def fake_id_number(rng: random.Random, *, region: str = "350802", sex: str | None = None) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    seq = rng.randrange(0, 1000)
    if sex is not None:
        seq = seq - (seq % 2) + (1 if sex == "M" else 0)
        seq = min(seq, 999)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def id_number_from(n: int, *, region: str = "350802") -> str:
    """A deterministic, unique, valid ID number for the n-th synthetic person (n < 18 million)."""
    day, seq = divmod(n, 1000)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=day % 20000)
    region_n = int(region) + day // 20000
    first17 = f"{region_n:06d}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def fake_uscc(rng: random.Random, *, region: str = "350800") -> str:
    body = "91" + region + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + uscc_check_char(body)


def fake_mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "151", "158", "177", "186", "188"]) + f"{rng.randrange(0, 10**8):08d}"
