"""The one way to edit, shared by every app's views (see docs/development.md).

A form validates input; a service loads, diffs, saves and audits. An edit form is a plain form
filled from the stored object (`edit_form`), never a ModelForm bound to it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect


def saved_redirect(request, url):
    """After a write: redirect, or tell HTMX to (HX-Redirect) when the form came through it."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def edit_form(form_class, request, stored, **kwargs):
    """The one way to edit: a plain form showing `stored`'s values (`initial=`) that validates
    the POSTed input and nothing else. It is never bound to `stored` (a bound ModelForm copies
    the input onto the instance while validating, and the service's "before" would already
    hold the new values). The view hands `cleaned_data` to the service through `submit`; the
    service loads, diffs, saves and audits.

        organisation = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
        form = edit_form(OrganisationForm, request, organisation)
        done = submit(request, form, lambda data: services.organisation_update(
            actor=request.user, organisation=organisation, request=request, **data), ...)
        return done or render(...)
    """
    initial = model_to_dict(stored, fields=list(form_class.base_fields))
    return form_class(request.POST or None, initial=initial, **kwargs)


def service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has that
    field, otherwise above the form (never a 500 for a field the form does not show)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def submit(request, form, save, *, success: str, next_url):
    """For a valid POSTed form, run `save` (a service call) and redirect to `next_url(saved)`;
    the service's ValidationError lands on the form. None when the form is to be shown."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as exc:
        service_errors(form, exc)
        return None
    messages.success(request, success)
    return saved_redirect(request, next_url(saved))
