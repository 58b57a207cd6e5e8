"""Violated database constraints reported on the field they concern.

Django reports a failed CheckConstraint (or a UniqueConstraint over several fields) as an
error of the whole form, and before a constraint had its own message, under its name
("约束 “term_ends_after_start” 是无效的"). Every constraint of ours carries a Chinese
`violation_error_message` naming the field and a `violation_error_code`; a model with this
mixin reports the error on the field that `constraint_fields` names for the code, so the
form shows it under that field and the API answers {"term_end": ["..."]}.
"""

from collections.abc import Collection
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ConstraintErrorsOnFields:
    """Mixin for a model (before models.Model in the bases)."""

    # violation_error_code of a constraint → the field its message belongs to.
    constraint_fields: ClassVar[dict[str, str]] = {}

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)  # type: ignore[misc]
        except ValidationError as exc:
            errors: dict[str, list[ValidationError]] = {}
            for name, field_errors in exc.error_dict.items():
                for error in field_errors:
                    target = name
                    if name == NON_FIELD_ERRORS:
                        target = self.constraint_fields.get(error.code or "", name)
                    errors.setdefault(target, []).append(error)
            raise ValidationError(errors) from None
