# In-app notifications moved from accounts to core (every app sends them, and organisations
# must not depend on accounts). The table was created by accounts.0001: this takes the model
# over in Django's state, then renames the table and its index to this app's names.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_key_check'),
        ('accounts', '0002_password_changed_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='标题')),
                        ('body', models.TextField(blank=True, verbose_name='内容')),
                        ('link', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
                    ],
                    options={
                        'db_table': 'accounts_notification',
                        'verbose_name': '通知',
                        'verbose_name_plural': '通知',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['recipient', 'read_at'], name='accounts_no_recipie_82f910_idx')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='notification', table=None),
        migrations.RenameIndex(
            model_name='notification',
            new_name='core_notifi_recipie_43dea6_idx',
            old_name='accounts_no_recipie_82f910_idx',
        ),
    ]
