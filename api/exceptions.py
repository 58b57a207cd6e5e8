"""The API's error answers, in the reader's language."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, but a Django Http404 (get_object_or_404: "No Member matches the given
    query.", English whatever the language, and naming the model) answers with DRF's own
    translated "Not found.", exactly like an address the API does not have."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
