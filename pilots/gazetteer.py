"""Names of places: how a division's name is shortened, spelled in pinyin, and resolved.

Pure functions over plain data, shared by the fixture builder (over the CSV) and the lookup (over
the database), so both read a name the same way.
"""
import re

from pypinyin import lazy_pinyin

from catalogue.search import normalize

LEVELS = ("province", "prefecture", "county")

# Longest first. What remains must be 2+ characters: 城区 keeps its name, 通州区 answers to 通州.
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "地区", "新区", "矿区",
            "省", "市", "区", "县", "盟", "旗")
NOT_A_NAME_RE = re.compile(r"[\W_]+")
# 延边朝鲜族自治州 → 延边: the shortest stem of 2+ characters followed only by ethnic names.
ETHNIC_STEM = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,3}族|维吾尔)+$")


def short_name(name):
    """宁波市 → 宁波; 内蒙古自治区 → 内蒙古; 延边朝鲜族自治州 → 延边; 城区 → 城区."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") and (match := ETHNIC_STEM.match(stem)):
                stem = match[1]
            return stem
    return name


def pinyin(name):
    """Toneless pinyin of a name, lowercase, no spaces (宁波 → ningbo)."""
    return "".join(lazy_pinyin(name)).lower()


def lookup_key(text):
    """How typed names are compared: normalised script and width, no spaces or punctuation."""
    return strip_punctuation(normalize(text or ""))


def strip_punctuation(text):
    return NOT_A_NAME_RE.sub("", text)


def names_for(name):
    """Every key a place answers to: full name, short name, and the short name's pinyin."""
    short = short_name(name)
    keys = [lookup_key(name), lookup_key(short)]
    spelled = pinyin(short)
    if spelled.isascii() and spelled.isalpha():
        keys.append(spelled)
    return list(dict.fromkeys(k for k in keys if k))


def resolve(text, exact, is_within, max_parts=3):
    """Places a typed name can mean.

    ``exact(key)`` gives the places answering to one name; ``is_within(place, ancestor)`` says
    whether a place lies inside another. A compound name (北京市通州区, 浙江宁波) is read as a chain
    of names, each inside the one before: the last one's places that lie inside some reading of
    the rest. Returns every reading, never a guess among them.
    """
    key = lookup_key(text)
    if not key:
        return []
    found = list(exact(key))
    if found or max_parts <= 1:
        return found
    readings = []
    for cut in range(2, len(key) - 1):
        outer = resolve(key[:cut], exact, is_within, max_parts - 1)
        if not outer:
            continue
        for place in exact(key[cut:]):
            if any(is_within(place, o) for o in outer) and place not in readings:
                readings.append(place)
    return readings
