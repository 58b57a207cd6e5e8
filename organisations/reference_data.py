"""National code lists used on member records: 民族 (GB/T 3304-1991) and 学历.

Enumerations only, no tables: TextChoices need no database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


def gettext_noop(message: str) -> str:
    """Mark a string for makemessages, which finds it by this name.

    Django's own gettext_noop reads settings, which would make this module unimportable
    before django.setup() (the demo seed and pure tests import it).
    """
    return message


# 中国各民族名称的罗马字母拼写和代码 (GB/T 3304-1991), in the standard's order and codes.
# gettext_noop marks each name for makemessages while leaving it a plain string, so one
# table serves both the translated choices and the name lookup of the roster import.
_ETHNICITIES = (
    ("HAN", "01", gettext_noop("汉族")),
    ("MONGOL", "02", gettext_noop("蒙古族")),
    ("HUI", "03", gettext_noop("回族")),
    ("TIBETAN", "04", gettext_noop("藏族")),
    ("UYGHUR", "05", gettext_noop("维吾尔族")),
    ("MIAO", "06", gettext_noop("苗族")),
    ("YI", "07", gettext_noop("彝族")),
    ("ZHUANG", "08", gettext_noop("壮族")),
    ("BOUYEI", "09", gettext_noop("布依族")),
    ("KOREAN", "10", gettext_noop("朝鲜族")),
    ("MANCHU", "11", gettext_noop("满族")),
    ("DONG", "12", gettext_noop("侗族")),
    ("YAO", "13", gettext_noop("瑶族")),
    ("BAI", "14", gettext_noop("白族")),
    ("TUJIA", "15", gettext_noop("土家族")),
    ("HANI", "16", gettext_noop("哈尼族")),
    ("KAZAK", "17", gettext_noop("哈萨克族")),
    ("DAI", "18", gettext_noop("傣族")),
    ("LI", "19", gettext_noop("黎族")),
    ("LISU", "20", gettext_noop("傈僳族")),
    ("VA", "21", gettext_noop("佤族")),
    ("SHE", "22", gettext_noop("畲族")),
    ("GAOSHAN", "23", gettext_noop("高山族")),
    ("LAHU", "24", gettext_noop("拉祜族")),
    ("SUI", "25", gettext_noop("水族")),
    ("DONGXIANG", "26", gettext_noop("东乡族")),
    ("NAXI", "27", gettext_noop("纳西族")),
    ("JINGPO", "28", gettext_noop("景颇族")),
    ("KIRGIZ", "29", gettext_noop("柯尔克孜族")),
    ("TU", "30", gettext_noop("土族")),
    ("DAUR", "31", gettext_noop("达斡尔族")),
    ("MULAO", "32", gettext_noop("仫佬族")),
    ("QIANG", "33", gettext_noop("羌族")),
    ("BLANG", "34", gettext_noop("布朗族")),
    ("SALAR", "35", gettext_noop("撒拉族")),
    ("MAONAN", "36", gettext_noop("毛南族")),
    ("GELAO", "37", gettext_noop("仡佬族")),
    ("XIBE", "38", gettext_noop("锡伯族")),
    ("ACHANG", "39", gettext_noop("阿昌族")),
    ("PUMI", "40", gettext_noop("普米族")),
    ("TAJIK", "41", gettext_noop("塔吉克族")),
    ("NU", "42", gettext_noop("怒族")),
    ("UZBEK", "43", gettext_noop("乌孜别克族")),
    ("RUSSIAN", "44", gettext_noop("俄罗斯族")),
    ("EWENKI", "45", gettext_noop("鄂温克族")),
    ("DEANG", "46", gettext_noop("德昂族")),
    ("BONAN", "47", gettext_noop("保安族")),
    ("YUGUR", "48", gettext_noop("裕固族")),
    ("GIN", "49", gettext_noop("京族")),
    ("TATAR", "50", gettext_noop("塔塔尔族")),
    ("DERUNG", "51", gettext_noop("独龙族")),
    ("OROQEN", "52", gettext_noop("鄂伦春族")),
    ("HEZHEN", "53", gettext_noop("赫哲族")),
    ("MONBA", "54", gettext_noop("门巴族")),
    ("LHOBA", "55", gettext_noop("珞巴族")),
    ("JINO", "56", gettext_noop("基诺族")),
)

# 民族: the value is the GB/T 3304 two-digit code ("04"), the label the translated name (藏族).
# Built with the functional API so the table above stays the single source of the names.
Ethnicity = models.TextChoices(
    "Ethnicity",
    [(member, (code, _(name))) for member, code, name in _ETHNICITIES],
)

# Colloquial short forms that are not simply the name without 族.
_ETHNICITY_ALIASES = {"蒙族": "02", "维族": "05"}

# Name as written in a roster cell → GB/T 3304 code: 藏族 and 藏 both give "04".
ETHNICITY_BY_NAME = {
    **{name: code for _member, code, name in _ETHNICITIES},
    **{name.removesuffix("族"): code for _member, code, name in _ETHNICITIES},
    **_ETHNICITY_ALIASES,
}


class Education(models.TextChoices):
    """学历 — highest completed level of formal education, as member rosters record it."""

    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中等专科")
    HIGH_SCHOOL = "high_school", _("高中")
    JUNIOR_OR_BELOW = "junior_or_below", _("初中及以下")
