import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    groups = (
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(groups)


class CharacterClassValidator:
    """Passwords mix at least `min_classes` of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。"),
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {
            "n": self.min_classes
        }


class CommonPasswordPartValidator:
    """Refuses a common password with a little decoration: `12345678Aa`, `Password2026!`.

    Django's CommonPasswordValidator compares the whole password with its list of 20,000;
    this one refuses a password of which one listed password (6 characters or more) makes up
    at least half, since guessing tools try the list with such decorations first."""

    MIN_PART = 6
    MAX_PART = 24

    def __init__(self):
        from django.contrib.auth.password_validation import CommonPasswordValidator

        self.passwords = CommonPasswordValidator().passwords

    def common_part(self, password: str) -> str | None:
        """The longest listed password making up at least half of `password`, if any."""
        text = password.lower()
        for length in range(min(self.MAX_PART, len(text)), self.MIN_PART - 1, -1):
            if length * 2 < len(text):
                break
            for start in range(len(text) - length + 1):
                if text[start : start + length] in self.passwords:
                    return password[start : start + length]
        return None

    def validate(self, password, user=None):
        if self.common_part(password):
            raise ValidationError(
                _("密码主要由常见密码构成（如 12345678、password），容易被猜中。"),
                code="password_mostly_common",
            )

    def get_help_text(self):
        return _("不能以常见密码加少量字符构成。")


class ForbiddenWordsValidator:
    """Refuses passwords containing the platform's or the organisation's name (Dangjian2026):
    the first words anyone guessing a password here would try."""

    def __init__(self, words=()):
        self.words = [w.strip().lower() for w in words if len(w.strip()) >= 3]

    def validate(self, password, user=None):
        text = password.lower()
        if any(word in text for word in self.words):
            raise ValidationError(
                _("密码不能包含本平台或单位的名称（如 dangjian）。"),
                code="password_forbidden_word",
            )

    def get_help_text(self):
        return _("不能包含本平台或单位的名称。")
