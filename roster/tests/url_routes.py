"""The roster's rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import SIDES, only, party, scoped

ROUTES = {
    "roster:member_export": ("get", None, party()),
    "roster:roster_upload": ("get", lambda s: {"pk": s.subtree_root.pk}, scoped()),
    "roster:roster_batch": ("get", lambda s: {"code": s.batch.code}, scoped()),
    "roster:roster_columns": ("post", lambda s: {"code": s.batch.code}, scoped(ok=302)),
    "roster:roster_organisations": ("post", lambda s: {"code": s.batch.code}, scoped(ok=302)),
    "roster:roster_apply": ("post", lambda s: {"code": s.batch.code}, scoped(ok=302)),
    "roster:roster_rollback": ("post", lambda s: {"code": s.batch.code}, scoped(ok=302)),
    "roster:roster_retry": ("post", lambda s: {"code": s.batch.code}, scoped(ok=302)),
    "roster:roster_rejected": ("get", lambda s: {"code": s.batch.code}, scoped()),
    "roster:roster_template": ("get", None, party()),
    # A background export: only the account that asked for it, on either side.
    "roster:roster_export": (
        "get",
        lambda s: {"code": s.export.code},
        {side: only(f"secretary_{side}") for side in SIDES},
    ),
    "roster:roster_export_download": (
        "get",
        lambda s: {"code": s.export.code},
        {side: only(f"secretary_{side}") for side in SIDES},
    ),
    "roster:roster_export_retry": (
        "post",
        lambda s: {"code": s.export.code},
        {side: only(f"secretary_{side}", 302) for side in SIDES},
    ),
}


def side_objects(world, side, objects):
    """A finished export of each side's secretary (its file written for the download)."""
    from django.core.files.base import ContentFile

    from roster.models import ExportStatus, MemberExport
    from roster.services import upload_storage

    export = MemberExport.objects.create(
        organisation=objects.subtree_root,
        created_by=objects.secretary,
        status=ExportStatus.DONE,
    )
    export.stored_file = upload_storage().save(f"exports/{export.code}.xlsx", ContentFile(b"x"))
    export.save()
    return {"export": export}
