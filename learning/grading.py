"""Quiz grading: one rule per question kind. A multiple-choice answer is right only when it is
exactly right (a partial choice scores nothing); a blank accepts any of its listed texts,
compared after normalising width, case and spaces."""

import unicodedata

LETTERS = "ABCDEFGHIJ"


def normalise_choice(value: object) -> str:
    """ "a, c" / ["A", "C"] / "CA" → "AC" (letters only, sorted, once each)."""
    if isinstance(value, list | tuple | set):
        value = "".join(str(v) for v in value)
    text = unicodedata.normalize("NFKC", str(value or "")).upper()
    return "".join(sorted({ch for ch in text if ch in LETTERS}))


TRUE_WORDS = {"T", "TRUE", "对", "正确", "是", "√", "Y", "YES", "1"}
FALSE_WORDS = {"F", "FALSE", "错", "错误", "否", "×", "X", "N", "NO", "0"}


def normalise_true_false(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().upper()
    if text in TRUE_WORDS:
        return "T"
    if text in FALSE_WORDS:
        return "F"
    return ""


def normalise_fill(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).casefold()
    return "".join(text.split())


def is_correct(kind: str, answer: str, given: object) -> bool:
    """Whether `given` (as the form sends it) answers a question of `kind` whose stored
    answer is `answer`."""
    if kind == "single":
        choice = normalise_choice(given)
        return len(choice) == 1 and choice == normalise_choice(answer)
    if kind == "multiple":
        choice = normalise_choice(given)
        return bool(choice) and choice == normalise_choice(answer)
    if kind == "true_false":
        value = normalise_true_false(given)
        return bool(value) and value == normalise_true_false(answer)
    if kind == "fill":
        value = normalise_fill(given)
        return bool(value) and any(value == normalise_fill(a) for a in answer.split("|"))
    return False


def option_letters(options: list) -> list[tuple[str, str]]:
    return list(zip(LETTERS, (str(o) for o in options), strict=False))
