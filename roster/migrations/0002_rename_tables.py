from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='importbatch', table=None),
        migrations.AlterModelTable(name='importrow', table=None),
        migrations.RenameIndex(
            model_name='importrow',
            new_name='roster_impo_batch_i_18412a_idx',
            old_name='organisatio_batch_i_939527_idx',
        ),
    ]
