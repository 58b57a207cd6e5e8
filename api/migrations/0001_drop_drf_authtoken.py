"""Retire DRF's authtoken table (issue 7, item 8).

Its tokens were stored in clear and never expired. They are not carried over into
django-rest-knox: hashing them would be possible, but their clear text sits in every backup
taken so far, so a converted token would stay a credential readable from old backups. Users
create new tokens on the "API 令牌" page (docs/operations.md). The drop is recorded in the
audit log with the number of tokens retired."""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

TABLE = "authtoken_token"


def drop_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {schema_editor.quote_name(TABLE)}")
            count = cursor.fetchone()[0]
        schema_editor.execute(schema_editor.sql_delete_table % {"table": schema_editor.quote_name(TABLE)})
        if count:
            apps.get_model("audit", "AuditEvent").objects.create(
                occurred_at=timezone.now(),
                actor_name="manage.py migrate",
                action="delete",
                target_type="authtoken.token",
                target_repr="明文存储的旧 API 令牌（已停用，用户须重新生成）",
                changes={"api_tokens_dropped": count},
            )
    # Forget the retired app's migrations and content types, so that nothing still refers to it.
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(drop_drf_tokens, migrations.RunPython.noop)]
