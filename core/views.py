from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from . import panels, todos


@login_required
def home(request):
    """工作台: each role's first screen — the panels the apps register for it (core.panels),
    its to-do list (core.todos) and unread notifications."""
    notifications = list(request.user.notifications.unread()[:10])
    placed = panels.panels_by_place(request.user)
    return render(
        request,
        "core/home.html",
        {
            "todos": todos.todos_for(request.user),
            "notifications": notifications,
            "panels": [panel for place in panels.PLACES for panel in placed[place]],
            "placed": placed,
        },
    )


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
