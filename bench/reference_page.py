"""The benchmark's reference page (bench/member_list.py): the ceiling the member list is held to.

Same app, base template and middleware as every page, but the cheapest possible list: the
first 50 members in the model's order, no join, no scoping, no count, no filter form. Only
routed when settings.BENCH_REFERENCE_PAGE is true; never in production.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from organisations.models import Member

ROWS = 50


@login_required
def reference(request):
    # A deliberate exception to "selectors start from visible_to": this page measures the
    # framework's floor, and is never routed unless BENCH_REFERENCE_PAGE is set.
    members = Member.objects.all()[:ROWS]
    return render(request, "bench/reference.html", {"members": members})
