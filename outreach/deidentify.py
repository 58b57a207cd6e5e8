"""De-identification for the public pages (去标识化): names, phone numbers, ID numbers, e-mail
and street addresses are removed from free text, not only from the fields.

Used on every text a public page shows of a request (title, text, answer). It errs on the
side of removing: a public page loses a house number rather than exposing one."""

import re

ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9])"
)
ID_NUMBER_15 = re.compile(r"(?<!\d)[1-9]\d{14}(?!\d)")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[\s-]?)?[2-9]\d{6,7}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")
# 某某路 12 号, 某某街 3 号 2 栋 1 单元 301 室 ...
STREET = re.compile(
    r"[\u4e00-\u9fff]{1,10}(?:路|街|巷|弄|大道|胡同)\s*\d+\s*号"
    r"(?:\s*(?:院|楼|\d+\s*(?:号楼|栋|幢|单元|层|楼|室|号)))*"
)
UNIT = re.compile(r"\d+\s*(?:号楼|栋|幢|单元|室|号院|号)")
NAME_AFTER = re.compile(
    r"(我叫|我是|本人|姓名|联系人|名叫|叫做)\s*[:：]?\s*([\u4e00-\u9fff·]{2,4})"
)
COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤和木扎次卓格鲁阿农普李杨"
)
TITLED = re.compile(
    rf"([{COMMON_SURNAMES}])[\u4e00-\u9fff]{{0,2}}?(先生|女士|老师|大爷|大妈|阿姨|师傅|大姐|大哥|老人|书记|主任)"
)

REMOVED_ID = "[身份证号已隐去]"
REMOVED_PHONE = "[电话已隐去]"
REMOVED_ADDRESS = "[地址已隐去]"


def scrub(text: str, *, names: tuple[str, ...] = ()) -> str:
    """`text` without personal identifiers. `names` are known names to remove wherever they
    appear (the submitter's own name)."""
    if not text:
        return text
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            text = text.replace(name, "某某")
            # Tibetan and Naxi names are often written with the middle dot or without it.
            if "·" in name:
                text = text.replace(name.replace("·", ""), "某某")
    text = EMAIL.sub(REMOVED_PHONE.replace("电话", "邮箱"), text)
    text = ID_NUMBER.sub(REMOVED_ID, text)
    text = ID_NUMBER_15.sub(REMOVED_ID, text)
    text = MOBILE.sub(REMOVED_PHONE, text)
    text = LANDLINE.sub(REMOVED_PHONE, text)
    text = LONG_DIGITS.sub("[号码已隐去]", text)
    text = STREET.sub(REMOVED_ADDRESS, text)
    text = UNIT.sub(REMOVED_ADDRESS, text)
    text = NAME_AFTER.sub(lambda m: f"{m.group(1)}某某", text)
    text = TITLED.sub(lambda m: f"某{m.group(2)}", text)
    return text
