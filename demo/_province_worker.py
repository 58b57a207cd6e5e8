"""The part of demo.province that runs in its worker processes (spawned, so this module
imports nothing of Django until `init` has set it up).

A member is drawn as demo.seeding._member draws it, but its row is written directly, not
through the member builder (prepare_member): at province size the builder's model instances,
field cleaning and per-call overheads were most of a 77-minute load. What the builder derives
is derived here by the same functions (name normalisation and pinyin keys, cached per
distinct name; the ID number's and phone's Fernet tokens, keyed digests and masks), and
demo/tests/test_province.py checks that the builder accepts every row and derives the same
values."""

import base64
import os
import random
import struct
import time
from datetime import date, timedelta
from functools import cache

_BRANCHES: list[tuple[int, str]] = []
_WEIGHTS: list[float] = []
# Region codes of a province (云南, 53): prefectures 01–34, counties 01–30 (a synthetic mix).
REGION_CODES = sorted(f"53{p:02d}{c:02d}" for p in range(1, 35) for c in range(1, 31))
_STATE: dict = {}
# The member table's columns after the id, in the order of build_batch's rows.
_COLUMNS = (
    "name", "sex", "ethnicity", "birth_date", "id_number_encrypted", "id_number_digest",
    "id_number_masked", "id_last4", "education", "joined_on", "full_member_on",
    "joined_on_precision", "full_member_on_precision", "category", "organisation_id", "unit",
    "post", "phone_encrypted", "phone_digest", "phone_masked", "status", "name_pinyin",
    "name_initials", "created_at", "updated_at",
)  # fmt: skip


def init(branches, weights, setup: bool = True) -> None:
    if setup:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    _BRANCHES[:] = branches
    _WEIGHTS[:] = weights
    _STATE.clear()


@cache
def _name_keys(name: str) -> tuple[str, str, str]:
    """(normalised name, full pinyin, initials): a province repeats each name many times."""
    from organisations.members import name_search_keys, normalise_name

    name = normalise_name(name)
    return (name, *name_search_keys(name))


def _setup_state() -> dict:
    if _STATE:
        return _STATE
    import hashlib
    import hmac
    from itertools import accumulate

    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.db import connection

    from demo.seeding import EDUCATION_WEIGHTS, POSTS
    from organisations.models import Member

    model_columns = [f.column for f in Member._meta.concrete_fields]
    if model_columns != ["id", *_COLUMNS]:
        raise RuntimeError(f"build_batch writes {_COLUMNS}, the member table has {model_columns}")
    key = settings.FIELD_ENCRYPTION_KEY
    # core.crypto.digest's key, keyed once: a copy of the keyed HMAC per value.
    lookup = hmac.new(hashlib.sha256(b"lookup:" + key.encode()).digest(), digestmod=hashlib.sha256)
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = base64.urlsafe_b64decode(key.encode())
    Fernet(key.encode())  # the key is a valid Fernet key
    _STATE.update(
        # Fernet's halves: HMAC-SHA256 signing key, AES-128 encryption key (see _encrypt_all).
        signing=hmac.new(raw[:16], digestmod=hashlib.sha256),
        aes=Cipher(algorithms.AES(raw[16:]), modes.ECB()).encryptor(),
        lookup=lookup,
        education=(list(EDUCATION_WEIGHTS), list(accumulate(EDUCATION_WEIGHTS.values()))),
        posts=POSTS,
        postgres=connection.vendor == "postgresql",
        adapt_datetime=connection.ops.adapt_datetimefield_value,
    )
    return _STATE


def _encrypt_all(values: list[str]) -> list[str]:
    """Fernet tokens of `values`, the same as Fernet(key).encrypt(value) gives (version,
    timestamp, random IV, AES-128-CBC with PKCS7 padding, HMAC-SHA256), made for a whole batch
    at once: Fernet builds a cipher context per value, a third of a member's cost. CBC is
    chained within a value only, so the nth block of every value goes through one AES call."""
    state = _setup_state()
    aes, signing = state["aes"], state["signing"]
    count = len(values)
    padded = []
    for value in values:
        data = value.encode()
        pad = 16 - len(data) % 16
        padded.append(data + bytes([pad]) * pad)
    randomness = os.urandom(16 * count)
    ivs = [randomness[16 * i : 16 * i + 16] for i in range(count)]
    previous = [int.from_bytes(iv, "big") for iv in ivs]
    cipher: list[list[bytes]] = [[] for _ in values]
    blocks = max(len(p) for p in padded) // 16 if values else 0
    for b in range(blocks):
        which = [i for i in range(count) if len(padded[i]) > 16 * b]
        plain = b"".join(
            (int.from_bytes(padded[i][16 * b : 16 * b + 16], "big") ^ previous[i]).to_bytes(
                16, "big"
            )
            for i in which
        )
        out = aes.update(plain)
        for n, i in enumerate(which):
            block = out[16 * n : 16 * n + 16]
            cipher[i].append(block)
            previous[i] = int.from_bytes(block, "big")
    head = b"\x80" + struct.pack(">Q", int(time.time()))
    tokens = []
    for iv, blocks_ in zip(ivs, cipher, strict=True):
        basic = head + iv + b"".join(blocks_)
        mac = signing.copy()
        mac.update(basic)
        tokens.append(base64.urlsafe_b64encode(basic + mac.digest()).decode())
    return tokens


def columns() -> list[str]:
    """The member table's columns, in the order build_batch writes them (the id first)."""
    _setup_state()
    return ["id", *_COLUMNS]


def build_batch(job) -> list[tuple]:
    """Batch number `n` of `size` members: (row, ID digest, branch id, joined on, candidate)
    each, where row is the member's columns without the id: one line of COPY text on
    PostgreSQL, a tuple of values elsewhere; candidate says an active full member. Reads no
    database."""
    from django.utils import timezone

    from demo.names import person_name, pick_ethnicity
    from organisations.id_numbers import generate_id_number, mask_id_number, mask_phone
    from organisations.members import MIN_JOINING_AGE, PROBATION_YEARS, years_after

    state = _setup_state()
    lookup, postgres = state["lookup"], state["postgres"]
    education, education_cum = state["education"]
    posts = state["posts"]
    seed_value, n, size, today = job
    rng = random.Random(seed_value * 1_000_003 + n)
    now = state["adapt_datetime"](timezone.now())
    created = str(now) if postgres else now
    used: set[str] = set()
    out = []
    rows: list[list] = []
    start_birth, birth_span = date(1962, 1, 1), (date(2001, 12, 31) - date(1962, 1, 1)).days
    probation_start = years_after(today, -PROBATION_YEARS) + timedelta(days=5)
    probation_span = max((today - timedelta(days=5) - probation_start).days, 1)
    latest_joining = today - timedelta(days=400)

    def digest(value: str) -> str:
        h = lookup.copy()
        h.update(value.encode())
        return h.hexdigest()

    for index in rng.choices(range(len(_BRANCHES)), weights=_WEIGHTS, k=size):
        branch_id, organ = _BRANCHES[index]
        # The draws of demo.seeding._member, in its order.
        sex = "male" if rng.random() < 0.56 else "female"
        ethnicity = pick_ethnicity(rng)
        birth = start_birth + timedelta(days=rng.randrange(birth_span))
        while True:
            number = generate_id_number(
                rng, region_code=rng.choice(REGION_CODES), birth_date=birth, sex=sex
            )
            if number not in used:
                used.add(number)
                break
        probationary = rng.random() < 0.04
        if probationary:
            joined = probation_start + timedelta(days=rng.randrange(probation_span))
            full_on = None
        else:
            earliest = years_after(birth, MIN_JOINING_AGE + 1)
            latest = max(min(years_after(birth, 45), latest_joining), earliest + timedelta(30))
            joined = earliest + timedelta(days=rng.randrange(max((latest - earliest).days, 1)))
            full_on = years_after(joined, PROBATION_YEARS)
        roll = rng.random()
        status = "active" if roll < 0.97 else "transferred_out" if roll < 0.99 else "deceased"
        name, pinyin, initials = _name_keys(person_name(rng, ethnicity, sex))
        edu = rng.choices(education, cum_weights=education_cum)[0]
        post = rng.choice(posts)
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        id_digest = digest(number)
        category = "probationary" if probationary else "full"
        rows.append(
            [
                name,
                sex,
                ethnicity,
                birth,
                number,  # encrypted below
                id_digest,
                mask_id_number(number),
                number[-4:],
                edu,
                joined,
                full_on,
                "day",
                "day",
                category,
                branch_id,
                organ,
                post,
                phone,  # encrypted below
                digest(phone),
                mask_phone(phone),
                status,
                pinyin,
                initials,
                created,
                created,
            ]
        )
        candidate = status == "active" and not probationary
        out.append((id_digest, branch_id, joined, candidate))
    tokens = _encrypt_all([v for row in rows for v in (row[4], row[17])])
    for n, row in enumerate(rows):
        row[4], row[17] = tokens[2 * n], tokens[2 * n + 1]
    if postgres:
        # Nothing here holds a tab, a newline or a backslash: no COPY escaping needed.
        lines = ["\t".join("\\N" if v is None else str(v) for v in row) for row in rows]
        return [(line, *rest) for line, rest in zip(lines, out, strict=True)]
    return [(tuple(row), *rest) for row, rest in zip(rows, out, strict=True)]
