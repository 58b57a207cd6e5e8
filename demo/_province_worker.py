"""The part of demo.province that runs in its worker processes (spawned, so this module
imports nothing of Django until `init` has set it up)."""

import os
import random

_BRANCHES: list[tuple[int, str]] = []
_WEIGHTS: list[float] = []
# Region codes of a province (云南, 53): prefectures 01–34, counties 01–30 (a synthetic mix).
REGION_CODES = sorted(f"53{p:02d}{c:02d}" for p in range(1, 35) for c in range(1, 31))


def init(branches, weights, setup: bool = True) -> None:
    if setup:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    _BRANCHES[:] = branches
    _WEIGHTS[:] = weights


def build_batch(job) -> list[tuple[list, str, int, str, str]]:
    """Batch number `n` of `size` members: (row of column values without the id, ID digest,
    branch id, status, category) each. Reads no database."""
    from django.db import connection
    from django.utils import timezone

    from demo.seeding import _member
    from organisations.models import Member, Organisation

    seed_value, n, size, today = job
    rng = random.Random(seed_value * 1_000_003 + n)
    now = timezone.now()
    used: set[str] = set()
    fields = Member._meta.concrete_fields
    out = []
    for index in rng.choices(range(len(_BRANCHES)), weights=_WEIGHTS, k=size):
        branch_id, organ = _BRANCHES[index]
        branch = Organisation(pk=branch_id, organ=organ)
        member = _member(rng, branch, today, used, region_codes=REGION_CODES)
        member.created_at = member.updated_at = now
        row = [f.get_db_prep_save(getattr(member, f.attname), connection) for f in fields]
        out.append((row[1:], member.id_number_digest, branch_id, member.status, member.category))
    return out
