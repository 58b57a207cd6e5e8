from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("learning/", views.my_study, name="my_study"),
    path("learning/hours/", views.hours_dashboard, name="hours_dashboard"),
    path("learning/members/<int:pk>/hours/", views.member_hours, name="member_hours"),
    path("learning/members/<int:pk>/external/", views.external_create, name="external_create"),
    path("learning/records/<int:pk>/reverse/", views.record_reverse, name="record_reverse"),
    path("learning/courses/", views.course_list, name="course_list"),
    path("learning/courses/new/", views.course_create, name="course_create"),
    path("learning/courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("learning/courses/<int:pk>/edit/", views.course_update, name="course_update"),
    path("learning/courses/<int:pk>/submit/", views.course_submit, name="course_submit"),
    path("learning/courses/<int:pk>/review/", views.course_review, name="course_review"),
    path("learning/courses/<int:pk>/withdraw/", views.course_withdraw, name="course_withdraw"),
    path("learning/courses/<int:pk>/lessons/new/", views.lesson_create, name="lesson_create"),
    path("learning/lessons/<int:pk>/", views.lesson_detail, name="lesson_detail"),
    path("learning/lessons/<int:pk>/edit/", views.lesson_update, name="lesson_update"),
    path("learning/lessons/<int:pk>/file/", views.lesson_file, name="lesson_file"),
    path("learning/lessons/<int:pk>/complete/", views.lesson_complete, name="lesson_complete"),
    path("learning/lessons/<int:pk>/move/", views.lesson_move, name="lesson_move"),
    path("learning/lessons/<int:pk>/remove/", views.lesson_remove, name="lesson_remove"),
    path("learning/plans/", views.plan_list, name="plan_list"),
    path("learning/plans/new/", views.plan_create, name="plan_create"),
    path("learning/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("learning/plans/<int:pk>/items/new/", views.plan_item_add, name="plan_item_add"),
    path("learning/plans/<int:pk>/assign/", views.plan_assign, name="plan_assign"),
    path("learning/plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("learning/banks/", views.bank_list, name="bank_list"),
    path("learning/banks/new/", views.bank_create, name="bank_create"),
    path("learning/banks/template.xlsx", views.bank_template, name="bank_template"),
    path("learning/banks/<int:pk>/", views.bank_detail, name="bank_detail"),
    path("learning/banks/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path("learning/banks/<int:pk>/import/", views.bank_import_view, name="bank_import"),
    path(
        "learning/banks/<int:pk>/import/apply/", views.bank_import_apply, name="bank_import_apply"
    ),
    path("learning/quizzes/", views.quiz_list, name="quiz_list"),
    path("learning/quizzes/new/", views.quiz_create, name="quiz_create"),
    path("learning/quizzes/<int:pk>/", views.quiz_detail, name="quiz_detail"),
    path("learning/quizzes/<int:pk>/start/", views.attempt_start, name="attempt_start"),
    path("learning/attempts/<int:pk>/", views.attempt_take, name="attempt_take"),
    path("learning/attempts/<int:pk>/review/", views.attempt_review, name="attempt_review"),
    path("learning/classes/", views.class_list, name="class_list"),
    path("learning/classes/new/", views.class_create, name="class_create"),
    path("learning/classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("learning/classes/<int:pk>/quotas/", views.quota_set, name="quota_set"),
    path("learning/classes/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("learning/classes/<int:pk>/sessions/", views.session_create, name="session_create"),
    path(
        "learning/classes/<int:pk>/reflection/", views.reflection_submit, name="reflection_submit"
    ),
    path("learning/classes/<int:pk>/report.xlsx", views.class_report, name="class_report"),
    path(
        "learning/sessions/<int:pk>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path("learning/reflections/<int:pk>/", views.reflection_detail, name="reflection_detail"),
    path(
        "learning/reflections/<int:pk>/review/", views.reflection_review, name="reflection_review"
    ),
    path(
        "learning/participants/<int:pk>/certificate/",
        views.certificate_issue,
        name="certificate_issue",
    ),
    path(
        "learning/participants/<int:pk>/certificate.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
    path("learning/verify/", views.certificate_verify, name="certificate_verify"),
]
