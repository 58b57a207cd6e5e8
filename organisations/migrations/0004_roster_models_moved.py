# ImportBatch and ImportRow moved to the roster app (roster.0001 takes them over); their
# tables stay, so this only removes them from this app's state.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0003_member_list_index'),
        ('roster', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='ImportRow'),
                migrations.DeleteModel(name='ImportBatch'),
            ],
        ),
    ]
