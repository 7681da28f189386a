"""Parse prose plans: notices (possibly embedding other notices) with 一、/（一） paragraphs.

Each ``#`` heading that is not numbered starts a part, labelled by its issuer's place
(汕头市金平区人民政府办公室… -> 金平区) or, for an attached plan with no issuer, by the
last issuer plus the plan's title (国务院2020年政务公开工作要点). Each numbered paragraph
becomes one Item. A line continues the paragraph above it when that paragraph has not
ended its sentence; any other unnumbered line (a closing remark, a signature) ends it.
The word lists used here live in index/data/actor_patterns.txt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from index.errors import UnknownLayout
from index.lexicon import words
from index.models import OTHER, Item, Unit, Units
from index.text import clean_line, join_wrapped
from index.units import is_collective

_PATTERNS = "actor_patterns.txt"
_NUMERAL = "一二三四五六七八九十百零〇"
_MAJOR = re.compile(rf"([{_NUMERAL}]+)、")
_MINOR = re.compile(rf"[（(]([{_NUMERAL}]+)[）)]")
_HEADING = re.compile(r"#+\s*")
_BOLD_LEAD = re.compile(r"\*\*(.+?)\*\*")
_RULE = re.compile(r"[-*_=\s]{3,}")
_CLAUSE = re.compile(r"[。！？；，：,;:!?]")
_DEADLINE = re.compile(r"\d{4}年(?:底|\d{1,2}月(?:底|\d{1,2}日)?)?前")
_SENTENCE_END = "。！？；!?;"
_CLOSERS = "”’」』）)】"
_MAX_SUBJECT = 25  # a longer clause head is a predicate, not a name
_MAX_JOINED = 10  # how far past 及其/和 a second name may end


@dataclass
class _Paragraph:
    """A numbered paragraph being collected line by line."""

    line: int
    label: str
    part: str
    task: str
    lines: list[str] = field(default_factory=list)


@dataclass
class _State:
    """Where the scan is: the current part, issuer and 一、 number, and the open paragraph."""

    part: str = ""
    issuer: str = ""
    major: str = ""
    open: _Paragraph | None = None


def parse_prose(text: str, doc_id: str) -> list[Item]:
    """Turn a prose plan into one Item per numbered paragraph, in document order."""
    paragraphs = _collect(text.splitlines())
    if not paragraphs:
        raise UnknownLayout("no 一、 or （一） numbered paragraph found")
    return [_item(p, doc_id, position) for position, p in enumerate(paragraphs, 1)]


def _collect(lines: list[str]) -> list[_Paragraph]:
    """Group source lines into numbered paragraphs, tracking parts along the way."""
    state = _State()
    found: list[_Paragraph] = []
    for number, raw in enumerate(lines, 1):
        line = clean_line(raw)
        if not line or _RULE.fullmatch(line):
            continue
        heading = _HEADING.match(line)
        body = line[heading.end() :] if heading else line
        paragraph = _numbered(body, number, state)
        if paragraph:
            found.append(paragraph)
            state.open = paragraph
        elif heading:
            _enter_part(body, state)
        elif state.open and not _ends_sentence(state.open.lines[-1]):
            state.open.lines.append(body.replace("**", ""))
        else:
            state.open = None
    return found


def _numbered(body: str, line: int, state: _State) -> _Paragraph | None:
    """Start a paragraph if the line opens with 一、 or （一）, else None."""
    plain = body.replace("**", "")
    if major := _MAJOR.match(plain):
        state.major = label = major.group(1)
        rest = plain[major.end() :]
    elif minor := _MINOR.match(plain):
        label = f"{state.major}（{minor.group(1)}）"
        rest = plain[minor.end() :]
    else:
        return None
    return _Paragraph(line, label, state.part, _bold_title(body), [rest])


def _bold_title(body: str) -> str:
    """The run-in bold heading of a paragraph line, number removed, or ""."""
    bold = _BOLD_LEAD.match(body)
    if not bold:
        return ""
    inner = bold.group(1)
    number = _MAJOR.match(inner) or _MINOR.match(inner)
    return join_wrapped([inner[number.end() :] if number else inner])


def _ends_sentence(line: str) -> bool:
    """True when a line ends a sentence, so the next line cannot continue it."""
    tail = line.rstrip().rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _SENTENCE_END


def _enter_part(heading: str, state: _State) -> None:
    """Start a new part at an unnumbered heading (a notice or an attached plan)."""
    title = join_wrapped([heading.replace("**", "")])
    issuer = _issuer_label(title)
    if issuer:
        state.issuer = state.part = issuer
    else:
        state.part = state.issuer + title
    state.major = ""
    state.open = None


def _issuer_label(title: str) -> str:
    """The issuing body's last place in a notice heading (汕头市金平区人民政府办公室… -> 金平区)."""
    office = _office_pattern().match(title)
    notice = _notice_pattern().match(title)
    if office:
        name = office.group(1)
    elif notice and _is_body(notice.group(1)):
        name = notice.group(1)  # a department issuing in its own name: 汕头市…局关于印发…
    else:
        return ""
    places = _place_pattern().findall(name)
    return places[-1] if places and "".join(places) == name else name


def _item(paragraph: _Paragraph, doc_id: str, position: int) -> Item:
    """Build the Item for one collected paragraph."""
    text = join_wrapped(paragraph.lines)
    task = paragraph.task or _first_sentence(text)
    body = text[len(task) :] if text.startswith(task) else text
    number = f"{paragraph.part} {paragraph.label}" if paragraph.part else paragraph.label
    return Item(
        doc=doc_id,
        number=number,
        task=task,
        text=text,
        units=_units(actors(body)),
        deadline=deadline(text),
        line=paragraph.line,
        position=position,
    )


def _first_sentence(text: str) -> str:
    """Text up to and including the first 。, or all of it."""
    end = text.find("。")
    return text[: end + 1] if end >= 0 else text


def deadline(text: str) -> str | None:
    """The first 2020年底前 / 2020年6月前 / 2020年6月30日前 phrase in a text, or None."""
    found = _DEADLINE.search(re.sub(r"\s+", "", text))
    return found.group(0) if found else None


def actors(text: str) -> list[str]:
    """Bodies a text tells to act (各街道、各单位要… -> 各街道, 各单位), in order, each once."""
    found: list[str] = []
    for clause in _CLAUSE.split(re.sub(r"\s+", "", text)):
        for name in _subject_names(_strip_lead(clause)):
            if name not in found:
                found.append(name)
    return found


def _units(names: list[str]) -> Units:
    """Wrap actor names as a Units value; none of them is marked lead."""
    members = tuple(
        Unit(name=n, normalized=n, role=OTHER, collective=is_collective(n)) for n in names
    )
    return Units(raw="、".join(names), members=members)


def _strip_lead(clause: str) -> str:
    """Drop a sentence adverb (同时 …) from the front of a clause."""
    for word in _words("strip"):
        if clause.startswith(word):
            return clause[len(word) :]
    return clause


def _subject_names(clause: str) -> list[str]:
    """The names in a clause's acting subject, if it has one."""
    subject = _modal_subject(clause) or _bare_subject(clause)
    stop = _words("stop")
    return [name for name in _split_names(subject) if name and name not in stop]


def _modal_subject(clause: str) -> str:
    """The body name right before 要/应/负责/牵头 at the start of a clause, or ""."""
    for modal in _modal_pattern().finditer(clause):
        head = clause[: modal.start()]
        if len(head) <= _MAX_SUBJECT and _is_body(head):
            return head
    return ""


def _bare_subject(clause: str) -> str:
    """A clause-initial body name with no modal after it: 各…, 有关… or one followed by 向/会同."""
    end = _noun_end(clause)
    head, rest = clause[:end], clause[end:]
    if end and (head.startswith(_words("lead")) or rest.startswith(_words("marker"))):
        return head
    return ""


def _noun_end(clause: str) -> int:
    """End of the shortest body name opening a clause, grown over joined names, or 0."""
    end = _shortest_body(clause, _MAX_SUBJECT)
    while end:
        grown = _grow(clause, end)
        if grown == end:
            return end
        end = grown
    return 0


def _shortest_body(text: str, limit: int) -> int:
    """Length of the shortest prefix of text that ends like a body name, or 0."""
    return next((i for i in range(1, min(len(text), limit) + 1) if _is_body(text[:i])), 0)


def _grow(clause: str, end: int) -> int:
    """Extend a name over a following name ending (区 -> 区县政府) or a joined name (及其部门)."""
    rest = clause[end:]
    for word in _words("suffix"):
        if rest.startswith(word):
            return end + len(word)
    for joint in _words("joint"):
        if rest.startswith(joint):
            tail = _shortest_body(rest[len(joint) :], _MAX_JOINED)
            if tail:
                return end + len(joint) + tail
    return end


def _split_names(subject: str) -> list[str]:
    """Split a subject on 、 outside brackets (各县（市、区）政府 stays whole)."""
    names: list[str] = []
    depth = start = 0
    for i, char in enumerate(subject):
        depth += (char in "（(") - (char in "）)")
        if char == "、" and depth == 0:
            names.append(subject[start:i])
            start = i + 1
    return names + [subject[start:]]


def _is_body(name: str) -> bool:
    """True when a name ends like a responsible body (…政府, …部门, 各地 …)."""
    return bool(name) and name.endswith(_words("suffix"))


@cache
def _words(section: str) -> tuple[str, ...]:
    """One [section] of the actor pattern list, longest entries first."""
    current = ""
    entries: list[str] = []
    for entry in words(_PATTERNS):
        if entry.startswith("[") and entry.endswith("]"):
            current = entry[1:-1]
        elif current == section:
            entries.append(entry)
    return tuple(sorted(entries, key=len, reverse=True))


@cache
def _modal_pattern() -> re.Pattern[str]:
    """Any modal word (要, 应, 负责 …)."""
    return re.compile("|".join(map(re.escape, _words("modal"))))


@cache
def _office_pattern() -> re.Pattern[str]:
    """A heading opening with an issuer: Chinese characters, then an office word."""
    offices = "|".join(map(re.escape, _words("office")))
    return re.compile(rf"([\u4e00-\u9fff]+?)(?:{offices})")


@cache
def _notice_pattern() -> re.Pattern[str]:
    """A heading opening with Chinese characters, then 关于/印发/转发."""
    verbs = "|".join(map(re.escape, _words("notice")))
    return re.compile(rf"([\u4e00-\u9fff]+?)(?:{verbs})")


@cache
def _place_pattern() -> re.Pattern[str]:
    """One administrative place (汕头市, 金平区 …) in a run of them."""
    places = "|".join(map(re.escape, _words("place")))
    return re.compile(rf".+?(?:{places})")
