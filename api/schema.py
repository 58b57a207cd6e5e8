"""The OpenAPI schema documents the API's error answers, not only its successes, so a client
(and the schema fuzz in api/tests/test_api_fuzz.py) knows every status it may receive."""

from django.utils.translation import gettext_lazy as _

ERROR = {
    "type": "object",
    "description": _(
        "错误说明：`detail` 为总体说明；字段有误时，以字段名为键，值为该字段的错误列表"
        "（每条以字段的中文名称开头）。"
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

WRITES = {"post", "put", "patch", "delete"}


def _error(description) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: add 400/401/403/404/415 where they can occur, and
    say that an optional query parameter may be sent empty."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            names = {p.get("name") for p in operation.get("parameters", [])}
            errors = {
                "401": _("未登录，或 API 令牌无效、已过期、已吊销。"),
                "403": _("本账号无权使用 API，或须先登录网页修改密码。"),
            }
            if names - {"id"} or "requestBody" in operation:
                errors["400"] = _("请求有误：参数或字段不合要求。")
            # Out of scope is 404 like missing; so is a page past the last one, and an
            # organisation named in a write that the caller may not edit.
            if "{" in path or "page" in names or method in WRITES:
                errors["404"] = _("没有这个对象，或不在本账号的权限范围内。")
            if "requestBody" in operation:
                errors["415"] = _("不支持的请求内容类型，请使用 JSON。")
            for parameter in operation.get("parameters", []):
                # `?status=` is "no filter" (as the page's 全部), `?page=` the first page.
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            for code, description in errors.items():
                operation["responses"].setdefault(code, _error(description))
    return result
