"""Rebuild the yearly study-hour totals from the ledger (after a restore, or to verify them).

The totals are kept by the ledger's services in the same transaction as each entry; this
recomputes them all from the append-only ledger and reports any that differed."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Sum

from audit import services as audit
from audit.models import Action
from core.actors import operator
from learning.models import StudyRecord, StudyYearTotal


class Command(BaseCommand):
    help = "Recompute StudyYearTotal from the StudyRecord ledger."

    def handle(self, *args, **options):
        sums = {
            (row["member_id"], row["year"]): row["total"]
            for row in StudyRecord.objects.values("member_id", "year")
            .annotate(total=Sum("hours"))
            .order_by()
        }
        stored = {(t.member_id, t.year): t.hours for t in StudyYearTotal.objects.all()}
        differing = sorted(k for k in set(sums) | set(stored) if sums.get(k, 0) != stored.get(k, 0))
        with transaction.atomic():
            StudyYearTotal.objects.all().delete()
            StudyYearTotal.objects.bulk_create(
                [StudyYearTotal(member_id=m, year=y, hours=h) for (m, y), h in sums.items()],
                batch_size=2000,
            )
            audit.record(
                actor=operator("rebuild_study_totals"),
                action=Action.UPDATE,
                target_repr="学时汇总",
                changes={"totals": len(sums), "differing": len(differing)},
            )
        self.stdout.write(f"{len(sums)} totals rebuilt, {len(differing)} differed")
