"""The roster's rows in the URL walk (core/tests/test_url_access.py)."""

from core.tests.url_walk import party, scoped

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
}
