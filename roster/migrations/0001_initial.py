# The roster import became an app of its own (it was organisations/roster/). Its tables were
# created by organisations.0002: this migration only takes the models over in Django's state,
# and 0002 renames the tables to this app's names.

import django.db.models.deletion
import roster.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('organisations', '0003_member_list_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ImportBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(default=roster.models.new_batch_code, max_length=20, unique=True, verbose_name='批次号')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                        ('original_name', models.CharField(max_length=200, verbose_name='文件名')),
                        ('stored_file', models.CharField(blank=True, editable=False, max_length=200)),
                        ('file_format', models.CharField(max_length=8)),
                        ('size', models.PositiveIntegerField(default=0, verbose_name='文件大小')),
                        ('status', models.CharField(choices=[('uploaded', '已上传'), ('queued', '排队中'), ('previewing', '正在预览'), ('previewed', '待确认'), ('applying', '正在导入'), ('applied', '已导入'), ('rolled_back', '已撤销'), ('failed', '失败')], default='uploaded', max_length=16, verbose_name='状态')),
                        ('background', models.BooleanField(default=False, verbose_name='后台处理')),
                        ('sheet_name', models.CharField(blank=True, max_length=100, verbose_name='工作表')),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='表题')),
                        ('header_row', models.PositiveIntegerField(blank=True, null=True, verbose_name='表头所在行')),
                        ('columns', models.JSONField(blank=True, default=list, verbose_name='列对应')),
                        ('estimated_rows', models.PositiveIntegerField(default=0)),
                        ('summary', models.JSONField(blank=True, default=dict, verbose_name='统计')),
                        ('error', models.TextField(blank=True, verbose_name='错误')),
                        ('previewed_at', models.DateTimeField(blank=True, null=True)),
                        ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='导入时间')),
                        ('rolled_back_at', models.DateTimeField(blank=True, null=True, verbose_name='撤销时间')),
                        ('applied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='导入人')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='roster_batches', to='organisations.organisation', verbose_name='导入到')),
                        ('rolled_back_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='撤销人')),
                    ],
                    options={
                        'db_table': 'organisations_importbatch',
                        'verbose_name': '花名册导入批次',
                        'verbose_name_plural': '花名册导入批次',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('row_number', models.PositiveIntegerField(verbose_name='原表行号')),
                        ('outcome', models.CharField(choices=[('new', '新增'), ('update', '修改'), ('unchanged', '无变化'), ('warning', '警告'), ('rejected', '不予导入'), ('skipped', '已跳过')], max_length=12, verbose_name='结果')),
                        ('action', models.CharField(choices=[('create', '新增'), ('update', '修改'), ('none', '不变')], default='none', max_length=8)),
                        ('name', models.CharField(blank=True, max_length=100, verbose_name='姓名')),
                        ('id_number_masked', models.CharField(blank=True, max_length=40, verbose_name='身份证号码')),
                        ('messages', models.JSONField(blank=True, default=list, verbose_name='说明')),
                        ('values', models.JSONField(blank=True, default=dict)),
                        ('id_number_token', models.TextField(blank=True)),
                        ('raw', models.TextField(blank=True)),
                        ('diff', models.JSONField(blank=True, default=dict)),
                        ('applied', models.CharField(blank=True, choices=[('create', '新增'), ('update', '修改'), ('none', '不变')], max_length=8)),
                        ('before', models.JSONField(blank=True, default=dict)),
                        ('periods', models.JSONField(blank=True, default=dict)),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='roster.importbatch')),
                        ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.member')),
                    ],
                    options={
                        'db_table': 'organisations_importrow',
                        'verbose_name': '导入行',
                        'verbose_name_plural': '导入行',
                        'ordering': ['batch', 'row_number'],
                        'indexes': [models.Index(fields=['batch', 'outcome', 'row_number'], name='organisatio_batch_i_939527_idx')],
                        'constraints': [models.UniqueConstraint(fields=('batch', 'row_number'), name='roster_row_once')],
                    },
                ),
            ],
        ),
    ]
