from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from . import panels, todos


@login_required
def home(request):
    """工作台: the role's to-do list and unread notifications."""
    notifications = list(request.user.notifications.unread()[:10])
    return render(
        request,
        "core/home.html",
        {
            "todos": todos.todos_for(request.user),
            "notifications": notifications,
            "panels": panels.panels_for(request.user),
        },
    )


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
