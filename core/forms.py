"""Form helpers shared by every app."""

from django import forms
from django.db import models


def model_field(model: type[models.Model], name: str, **overrides) -> forms.Field:
    """The form field Django would make for `model.name` (label, length, choices, required,
    default), for a plain `forms.Form`.

    Edit forms are plain forms, never ModelForms bound to an instance (a bound ModelForm writes
    the input onto the instance while it validates, so the service's "before" is lost); this
    keeps their fields in step with the model all the same."""
    field = model._meta.get_field(name).formfield(**overrides)
    if field is None:
        raise ValueError(f"{model.__name__}.{name} has no form field")
    return field


class RichTextField(forms.CharField):
    """A textarea whose HTML is cleaned to the allowlist (core.richtext) when the form is
    validated, so a view or service only ever sees safe markup."""

    widget = forms.Textarea(attrs={"rows": 8, "class": "form-control", "data-rich-text": ""})

    def clean(self, value):
        from core.richtext import sanitise

        return sanitise(super().clean(value) or "")
