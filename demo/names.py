"""Synthetic person names (姓名) for the demo prefecture, reflecting the peoples of Diqing.

Deterministic for a seeded random.Random, so `manage.py seed` builds the same demo every time.
Names are assembled from common elements; any likeness to a real person is chance. Pure
Python on purpose: ethnicities are GB/T 3304 codes as plain strings ("04" 藏族), the values
of reference_data.Ethnicity.
"""

import random

TIBETAN = "04"
HAN = "01"

# Share of each people among organ staff in Diqing, by GB/T 3304 code (sums to 100).
ETHNICITY_WEIGHTS = {
    "04": 35.0,  # 藏族
    "01": 25.0,  # 汉族
    "27": 12.0,  # 纳西族
    "20": 12.0,  # 傈僳族
    "14": 8.0,  # 白族
    "07": 5.0,  # 彝族
    "40": 1.2,  # 普米族
    "03": 0.8,  # 回族
    "42": 0.5,  # 怒族
    "06": 0.5,  # 苗族
}
_ETHNICITY_CODES = tuple(ETHNICITY_WEIGHTS)

# Tibetan names have no surname: two two-syllable elements, written with the middle dot on
# official documents (扎西·次仁). Diqing spellings (此里, 七林, 鲁茸, 农布) sit beside the
# Lhasa ones. Each name takes at least one element that marks the sex.
# fmt: off
_TIBETAN_MALE = (
    "扎西", "多吉", "平措", "洛桑", "丹增", "旺堆", "顿珠", "桑杰", "阿旺", "贡布",
    "仁青", "农布", "鲁茸", "都吉", "品初", "旺丹", "格茸", "江措", "土登", "强巴",
    "罗布", "赤列", "嘎玛", "松吉", "吉村", "才让", "旺久", "贡嘎", "扎巴", "次旺",
    "群培", "泽仁", "降央", "多杰", "旺加", "巴登", "拉旺", "格勒", "江村", "此称",
    "孙诺", "扎史", "江初", "洛布",
)
_TIBETAN_FEMALE = (
    "卓玛", "拉姆", "央金", "央宗", "曲珍", "德吉", "措姆", "玉珍", "卓嘎", "永宗",
    "拉初", "取珍", "康珠", "白珍", "旺姆", "次珍", "央拉", "吉珍", "拉珍", "梅朵",
    "仓决", "琼达", "曲宗", "达娃", "卓措", "玉措", "拉宗", "格央", "拉措", "次央",
    "德央", "央吉", "白姆", "曲措", "桑姆", "尼珍", "琼珍", "宗吉", "边珍", "巴珍",
    "次姆", "阿主",
)
_TIBETAN_EITHER = (
    "次仁", "尼玛", "达瓦", "格桑", "索朗", "边巴", "巴桑", "普布", "拉巴", "米玛",
    "白玛", "益西", "此里", "七林", "斯那", "次里", "德庆", "贡觉", "拉茸",
)
# fmt: on

# Surnames with rough relative frequencies, per people.
_HAN_SURNAMES = {
    **dict.fromkeys("王李张刘陈杨赵黄周吴", 4),
    **dict.fromkeys("徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程", 2),
    **dict.fromkeys("曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊", 1),
}
_SURNAMES = {
    HAN: _HAN_SURNAMES,
    # 纳西族: 和 above all, then 木 (the old Lijiang chiefs' name), 杨, 李.
    "27": {"和": 12, "木": 3, "杨": 3, "李": 3, "赵": 1, "王": 1, "习": 1},
    # 傈僳族 of Weixi.
    "20": {"余": 5, "蜂": 3, "李": 3, "熊": 2, "和": 2, "密": 1, "胡": 1, "恒": 1, "杨": 1},
    # 白族: 字 is a surname found almost only among the Bai.
    "14": {"杨": 4, "段": 3, "赵": 3, "李": 3, "张": 2, "王": 2, "尹": 1, "字": 1, "和": 1},
    # 彝族.
    "07": {"普": 3, "罗": 3, "李": 3, "杨": 2, "阿": 1, "毕": 1, "鲁": 1, "者": 1, "王": 1},
    # 普米族, 回族, 怒族, 苗族.
    "40": {"熊": 3, "和": 3, "杨": 2, "胡": 2, "曹": 1, "李": 1},
    "03": {"马": 6, "纳": 2, "沙": 1, "丁": 1, "撒": 1},
    "42": {"李": 2, "和": 2, "余": 1, "王": 1, "刘": 1},
    "06": {"王": 2, "杨": 2, "陶": 1, "熊": 1, "项": 1, "侯": 1, "李": 1},
}

# Characters of two-character given names in the Han manner, used by most peoples here.
_GIVEN_MALE = "伟强军明华杰涛斌勇俊峰磊超波辉刚健平志国建文林鹏宇浩亮海东晨正永春成德忠兴祥荣鑫"
_GIVEN_FEMALE = "丽华芳娟敏静秀英艳萍玲燕红霞慧琳婷雪梅兰琴云洁莉倩颖佳欣悦瑶蓉凤丹月晓春美珍桂宁"

# Lisu given names transliterated from Lisu (birth-order and traditional names), kept by some.
# fmt: off
_LISU_TRANSLITERATED = {
    "male": (
        "阿普", "此里", "阿才", "四比", "阿迪", "木必", "阿四", "阿加", "扒四", "阿恒",
        "阿益", "此扒", "阿三", "五四", "腊普",
    ),
    "female": (
        "阿娜", "阿花", "二妹", "三妹", "四妹", "阿珍", "娜比", "阿英", "阿雅", "恒妹",
        "阿秀", "六妹", "娜四", "阿丽", "五妹",
    ),
}
# fmt: on
_LISU_TRANSLITERATED_SHARE = 0.2

_SEXES = ("male", "female")


def pick_ethnicity(rng: random.Random) -> str:
    """A GB/T 3304 code drawn with the mix of peoples among Diqing's organ staff."""
    return rng.choices(_ETHNICITY_CODES, weights=tuple(ETHNICITY_WEIGHTS.values()))[0]


def person_name(rng: random.Random, ethnicity_code: str, sex: str) -> str:
    """A plausible name for a person of that people and sex ("male" or "female").

    A people without its own pool gets a name in the Han manner.
    """
    if sex not in _SEXES:
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    if ethnicity_code == TIBETAN:
        return _tibetan_name(rng, sex)
    surname = _weighted(rng, _SURNAMES.get(ethnicity_code, _HAN_SURNAMES))
    if ethnicity_code == "20" and rng.random() < _LISU_TRANSLITERATED_SHARE:
        return surname + rng.choice(_LISU_TRANSLITERATED[sex])
    pool = _GIVEN_MALE if sex == "male" else _GIVEN_FEMALE
    return surname + "".join(rng.sample(pool, 2))


def _tibetan_name(rng: random.Random, sex: str) -> str:
    marked = _TIBETAN_MALE if sex == "male" else _TIBETAN_FEMALE
    pool = marked + _TIBETAN_EITHER
    while True:
        first, second = rng.sample(pool, 2)
        if first in marked or second in marked:
            return f"{first}·{second}"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]
