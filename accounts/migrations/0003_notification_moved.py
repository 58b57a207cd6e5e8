# Notification moved to core (core.0002 takes it over); the table stays, so this only removes
# it from this app's state.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_password_changed_at'),
        ('core', '0002_notification'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='Notification')],
        ),
    ]
