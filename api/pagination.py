"""Pages of the API's lists."""

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, where a `page` that is not a positive whole number is a 400 naming
    the field (DRF answers 404 for `page=abc`); a page past the last one stays a 404."""

    invalid_page_message = _("没有这一页。")

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is None or value == "":
            return 1
        if value in self.last_page_strings:
            return paginator.num_pages
        if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 9:
            raise ValidationError({self.page_query_param: [_("页码：须为正整数。")]})
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
        return parameters
