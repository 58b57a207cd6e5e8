"""Role gates for views. A page a role may not use answers 404, like a missing one."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def role_required(*roles):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def party_data_required(view):
    """Pages of party data: committee admin, secretaries and members (never auditor/security)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.reads_party_data:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
