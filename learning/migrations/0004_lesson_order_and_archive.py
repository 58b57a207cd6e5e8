from django.db import migrations, models


def renumber(apps, schema_editor):
    """Lessons take places 1, 2, 3 … in their course (in the order they were shown), so the
    new one-lesson-a-place constraint holds for the rows already there."""
    Lesson = apps.get_model("learning", "Lesson")
    course_id, place = None, 0
    for lesson in Lesson.objects.order_by("course_id", "order", "pk").only(
        "pk", "course_id", "order"
    ):
        if lesson.course_id != course_id:
            course_id, place = lesson.course_id, 0
        place += 1
        if lesson.order != place:
            Lesson.objects.filter(pk=lesson.pk).update(order=place)


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0003_study_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="lesson",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="归档时间"),
        ),
        migrations.RunPython(renumber, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="lesson",
            constraint=models.UniqueConstraint(
                condition=models.Q(("archived_at__isnull", True)),
                fields=("course", "order"),
                name="one_lesson_a_place",
                violation_error_message="顺序：该位置已有课时。",
            ),
        ),
    ]
