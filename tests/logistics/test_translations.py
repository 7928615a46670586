"""The Simplified Chinese message file: every entry translated, none fuzzy, placeholders intact.

The .po file is read with a small parser of our own (no polib), so the check needs nothing
beyond the standard library.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
ZH_HANS_PO = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# %(name)s / %(count)d (named), %s / %d (positional, order matters), {name} (str.format).
NAMED_PERCENT = re.compile(r"%\((\w+)\)[sdif]")
POSITIONAL_PERCENT = re.compile(r"%(?!\()[sdif]")
BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str | None = None
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[n] for n in sorted(self.msgstr_plural)]
        return [self.msgstr or ""]


def _unquote(text: str, line_no: int) -> str:
    """A quoted PO string ("..." with C escapes) as Python text."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"line {line_no}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def parse_po(source: str) -> list[Entry]:
    """The entries of a PO file, header included (msgid ""); obsolete (#~) entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which field continuation lines extend
    pending_flags: set[str] = set()

    def start(line_no: int) -> Entry:
        nonlocal current, pending_flags
        current = Entry(line=line_no, flags=pending_flags)
        pending_flags = set()
        entries.append(current)
        return current

    for line_no, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            current, target = None, None
            continue
        if line.startswith("#"):
            current, target = None, None
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt":
            entry = start(line_no)
            entry.msgctxt = _unquote(rest, line_no)
            target = ("msgctxt", None)
        elif keyword == "msgid":
            after_context = current is not None and target == ("msgctxt", None)
            entry = current if after_context else start(line_no)
            entry.msgid = _unquote(rest, line_no)
            target = ("msgid", None)
        elif keyword == "msgid_plural":
            assert current is not None, f"line {line_no}: msgid_plural without msgid"
            current.msgid_plural = _unquote(rest, line_no)
            target = ("msgid_plural", None)
        elif keyword == "msgstr":
            assert current is not None, f"line {line_no}: msgstr without msgid"
            current.msgstr = _unquote(rest, line_no)
            target = ("msgstr", None)
        elif re.fullmatch(r"msgstr\[\d+\]", keyword):
            assert current is not None, f"line {line_no}: {keyword} without msgid"
            index = int(keyword[7:-1])
            current.msgstr_plural[index] = _unquote(rest, line_no)
            target = ("msgstr_plural", index)
        elif line.startswith('"'):
            assert current is not None and target is not None, f"line {line_no}: stray string"
            name, index = target
            more = _unquote(line, line_no)
            if name == "msgstr_plural":
                current.msgstr_plural[index] += more
            else:
                setattr(current, name, getattr(current, name) + more)
        else:
            raise ValueError(f"line {line_no}: cannot read {raw!r}")
    return entries


def placeholders(text: str) -> tuple[list[str], list[str], list[str]]:
    """Named %-placeholders and {} fields as sorted lists; positional ones in their order."""
    without_escapes = text.replace("%%", "")
    return (
        sorted(set(NAMED_PERCENT.findall(without_escapes))),
        POSITIONAL_PERCENT.findall(without_escapes),
        sorted(set(BRACE.findall(text))),
    )


def untranslated_or_fuzzy(entries: list[Entry]) -> list[str]:
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        if entry.msgid == "":
            continue  # the header
        if not entry.translations() or any(not text for text in entry.translations()):
            problems.append(f"line {entry.line}: untranslated: {entry.msgid!r}")
    return problems


def placeholder_mismatches(entries: list[Entry]) -> list[str]:
    problems = []
    for entry in entries:
        if entry.msgid == "":
            continue
        # Chinese has one plural form, used for every count: it carries the plural's placeholders.
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        expected = placeholders(source)
        for text in entry.translations():
            if text and placeholders(text) != expected:
                problems.append(
                    f"line {entry.line}: {entry.msgid!r} has {expected}, "
                    f"its translation {text!r} has {placeholders(text)}"
                )
    return problems


@pytest.fixture(scope="module")
def zh_hans_entries() -> list[Entry]:
    return parse_po(ZH_HANS_PO.read_text(encoding="utf-8"))


def test_it_reads_the_zh_hans_message_file(zh_hans_entries):
    assert len(zh_hans_entries) > 100
    assert any(e.msgid == "Campus Logistics Portal" for e in zh_hans_entries)


def test_it_has_a_chinese_header(zh_hans_entries):
    header = next(e for e in zh_hans_entries if e.msgid == "" and e.msgctxt is None)
    assert "fuzzy" not in header.flags
    assert "Language: zh_Hans\n" in header.msgstr
    assert "charset=UTF-8" in header.msgstr
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr


def test_it_translates_every_entry_and_has_no_fuzzy_ones(zh_hans_entries):
    assert untranslated_or_fuzzy(zh_hans_entries) == []


def test_it_gives_plurals_exactly_one_form(zh_hans_entries):
    wrong = [
        e.msgid
        for e in zh_hans_entries
        if e.msgid_plural is not None and sorted(e.msgstr_plural) != [0]
    ]
    assert wrong == []


def test_it_keeps_the_placeholders_of_every_entry(zh_hans_entries):
    assert placeholder_mismatches(zh_hans_entries) == []


# ASCII punctuation where Chinese text goes on: after a Chinese character or a placeholder, before
# a Chinese character, a placeholder or the end ("地点: %(place)s", "灯具, 水管", "含有:").
CJK = r"[\u3400-\u9fff]"
ASCII_IN_CHINESE = re.compile(rf"(?:{CJK}|%\(\w+\)[sd])\s*[,:;!?]\s*(?={CJK}|%\(|$)")


def ascii_punctuation_in_chinese(entries: list[Entry]) -> list[str]:
    return [
        f"line {entry.line}: {text!r}"
        for entry in entries
        for text in entry.translations()
        if ASCII_IN_CHINESE.search(text)
    ]


def test_it_uses_chinese_punctuation_in_chinese_sentences(zh_hans_entries):
    assert ascii_punctuation_in_chinese(zh_hans_entries) == []


def test_it_would_find_ascii_punctuation_in_a_chinese_sentence():
    wrong = [Entry(line=1, msgid="Place: %(place)s", msgstr="地点: %(place)s")]
    wrong.append(Entry(line=2, msgid="Lights, taps", msgstr="灯具, 水管"))
    wrong.append(Entry(line=3, msgid="Contains:", msgstr="含有:"))
    right = [Entry(line=4, msgid="at 16:00", msgstr="16:00 以后"), Entry(line=5, msgstr="地点：A")]
    assert len(ascii_punctuation_in_chinese(wrong)) == 3
    assert ascii_punctuation_in_chinese(right) == []


SAMPLE = r"""
# A header comment
#, fuzzy
msgid ""
msgstr ""
"Language: zh_Hans\n"

#: somewhere.py:1
msgid "Hello, %(name)s."
msgstr "%(name)s，您好。"

#, python-format
msgid "Saved %s of %d"
msgstr ""

msgctxt "menu"
msgid "File {path}"
msgstr "文件 {pth}"

#, fuzzy, python-format
msgid ""
"%(count)d item"
msgid_plural "%(count)d items"
msgstr[0] "%(total)d 项"

#~ msgid "Gone"
#~ msgstr ""
"""


def test_it_catches_empty_fuzzy_and_changed_placeholders_in_a_sample():
    entries = parse_po(SAMPLE)
    assert [e.msgid for e in entries] == [
        "",
        "Hello, %(name)s.",
        "Saved %s of %d",
        "File {path}",
        "%(count)d item",
    ]
    assert entries[3].msgctxt == "menu"
    assert entries[4].msgid_plural == "%(count)d items"

    problems = untranslated_or_fuzzy(entries)
    assert len(problems) == 3
    assert "fuzzy" in problems[0] and "''" in problems[0]  # the fuzzy header
    assert "untranslated" in problems[1] and "Saved %s of %d" in problems[1]
    assert "fuzzy" in problems[2] and "%(count)d item" in problems[2]

    mismatches = placeholder_mismatches(entries)
    assert len(mismatches) == 2
    assert "File {path}" in mismatches[0]
    assert "%(count)d item" in mismatches[1]


def test_it_treats_positional_order_and_escaped_percent_correctly():
    assert placeholders("%s of %d") != placeholders("%d of %s")
    assert placeholders("100%% sure, %(n)d") == placeholders("%(n)d，百分之百%%")
    assert placeholders("%(a)s and %(b)s") == placeholders("%(b)s 和 %(a)s")
    assert placeholders("{{literal}} {x}") == placeholders("{x}")
