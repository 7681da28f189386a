"""Parse prose plans: notices (possibly embedding other notices) with numbered paragraphs.

Each ``#`` heading that is not numbered starts a part, labelled by its issuer's place
(汕头市金平区人民政府办公室… -> 金平区) or, for an attached plan with no issuer, by the
last issuer plus the plan's title (国务院2020年政务公开工作要点); a plan with neither has one
unlabelled part. Paragraphs are numbered on three levels, 一、 / （一） / 1., each label joined to
its parents' (一（一）1), and ● bullets count within their parent (一（一）-2). A line continues the
paragraph above it when that paragraph has not ended its sentence; any other unnumbered line (a
closing remark, a signature) ends it. Each paragraph becomes an Item, except a bare heading whose
children are the items. Units written out win over bodies inferred from the sentences: a line
that only states them (责任单位：市司法局) or a parenthetical ending a sentence (（市交通委负责）),
and a paragraph whose sentences each carry their own becomes one Item per sentence (三（二）-1, -2 …).
The word lists used here live in index/data/actor_patterns.txt and unit_statements.txt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from index.errors import UnknownLayout
from index.lexicon import table, words
from index.models import OTHER, Item, Unit, Units
from index.text import clean_line, join_wrapped
from index.units import is_body_name, is_collective, reads_as_units, split_units

_PATTERNS = "actor_patterns.txt"
_STATEMENTS = "unit_statements.txt"
_NUMERAL = "一二三四五六七八九十百零〇"
_MAJOR = re.compile(rf"([{_NUMERAL}]+)、")
_MINOR = re.compile(rf"[（(]([{_NUMERAL}]*)[）)]")  # （） when the page lost the numeral: counted
_POINT = re.compile(r"([0-9０-９]{1,4})[.．、](?![0-9０-９])")
_BULLET = re.compile(r"[●•◆■]")
# (pattern, how its label is printed) from the outermost level to bullets, the innermost.
_MARKERS = ((_MAJOR, "{}"), (_MINOR, "（{}）"), (_POINT, "{}"), (_BULLET, ""))
_BULLET_LEVEL = len(_MARKERS) - 1
_BRACKETED = re.compile(r"[（(]((?:[^（()）]|[（(][^（()）]*[）)])*)[）)]")
_CLOSING_BRACKETED = re.compile(_BRACKETED.pattern + "$")
# A paragraph marker after a space inside a line: a plan whose paragraphs were collapsed onto one line.
_INLINE_MARKER = re.compile(rf"\s+(?=(?:[{_NUMERAL}]+、|[（(][{_NUMERAL}]+[）)]|[0-9]{{1,2}}[、.．])[\u4e00-\u9fff])")
_COLLAPSED = 300  # characters: a longer line holding paragraph markers after spaces is several paragraphs
_ENUMERATION = re.compile(rf"([{_NUMERAL}]+是)")
_OPEN_AT_END = re.compile(r"[（(]([^（()）]+)$")
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
    level: int
    part: str
    task: str
    lines: list[str] = field(default_factory=list)
    marked: bool = False  # written as a markdown heading (## 一、…)
    statements: list[str] = field(default_factory=list)  # lines stating its units


@dataclass
class _State:
    """Where the scan is: the current part and issuer, the open labels per level, the open paragraph."""

    part: str = ""
    issuer: str = ""
    marks: list[str] = field(default_factory=lambda: [""] * _BULLET_LEVEL)
    bullets: int = 0
    blanks: int = 0  # blank （） markers counted under the current parent
    open: _Paragraph | None = None


def parse_prose(text: str, doc_id: str) -> list[Item]:
    """Turn a prose plan into Items (one per numbered paragraph or unit-bearing sentence), in order."""
    paragraphs = _collect([part for line in text.split("\n") for part in _paragraphs_of(line)])
    if not paragraphs:
        raise UnknownLayout("no numbered paragraph (一、 / （一） / 1. / ●) found")
    following = [*paragraphs[1:], None]
    kept = [p for p, after in zip(paragraphs, following) if _is_item(p, after)]
    # Where a plan states its units (brackets, labels), a paragraph stating none outside the levels
    # that do is preamble (一、总体要求, a page's boilerplate bullets), not a task.
    levels = {p.level for p in kept if _states_units(p)}
    if levels:
        kept = [p for p in kept if p.level in levels]
    items = [item for p in kept for item in _items(p, doc_id)]
    return [replace(item, position=position) for position, item in enumerate(items, 1)]


def _paragraphs_of(line: str) -> list[str]:
    """A line, or the paragraphs of a long line whose paragraphs were collapsed onto it."""
    return _INLINE_MARKER.split(line) if len(line) > _COLLAPSED else [line]


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
        paragraph = _numbered(body, number, state, bool(heading))
        if paragraph:
            found.append(paragraph)
            state.open = paragraph
        elif heading:
            _enter_part(body, state)
        elif state.open and not _extend(state.open, body.replace("**", "")):
            state.open = None
    return found


def _numbered(body: str, line: int, state: _State, marked: bool) -> _Paragraph | None:
    """Start a paragraph if the line opens with 一、, （一）, 1. or a bullet, else None."""
    plain = body.replace("**", "")
    found = _marker(plain)
    if found is None:
        return None
    level, mark, end = found
    label = _label(level, mark, state)
    return _Paragraph(line, label, level, state.part, _bold_title(body), [plain[end:]], marked)


def _marker(text: str) -> tuple[int, str, int] | None:
    """The level, printed label and end of the paragraph marker opening a text, or None."""
    for level, (pattern, form) in enumerate(_MARKERS):
        if found := pattern.match(text):
            return level, form.format(*found.groups()), found.end()
    return None


def _label(level: int, mark: str, state: _State) -> str:
    """A paragraph's number: its label after its parents' (一（一）1), or <parent>-<n> for a bullet."""
    if mark == "（）":  # the numeral is missing: count the blank markers under the same parent
        state.blanks = state.blanks + 1 if state.marks[level].startswith("（#") else 1
        mark = f"（#{state.blanks}）"
    if level == _BULLET_LEVEL:
        state.bullets += 1
        parent = "".join(state.marks)
        return f"{parent}-{state.bullets}" if parent else str(state.bullets)
    state.marks[level:] = [mark] + [""] * (_BULLET_LEVEL - level - 1)
    state.bullets = 0
    return "".join(state.marks)


def _after_marker(text: str) -> str:
    """A text with any paragraph marker at its start removed."""
    found = _marker(text)
    return text[found[2] :].lstrip() if found else text


def _bold_title(body: str) -> str:
    """The run-in bold heading of a paragraph line, number removed, or ""."""
    bold = _BOLD_LEAD.match(body) or _BOLD_LEAD.match(_after_marker(body))
    return join_wrapped([_after_marker(bold.group(1))]) if bold else ""


def _ends_sentence(line: str) -> bool:
    """True when a line ends a sentence or a unit statement, so the next line cannot continue it."""
    closing = _CLOSING_BRACKETED.search(line.rstrip())
    if closing and _stated_units(closing.group(1), bare=True):
        return True
    tail = line.rstrip().rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _SENTENCE_END


def _extend(paragraph: _Paragraph, line: str) -> bool:
    """Add a following line to an open paragraph, as text or as its unit statement; False ends it."""
    ended = bool(paragraph.statements) or _ends_sentence(_tail(paragraph.lines))
    if statement := _statement_line(line, ended):
        paragraph.statements.append(statement)
    elif ended and not _opens_statement(line):
        return False
    else:
        paragraph.lines.append(line)
    return True


def _tail(lines: list[str]) -> str:
    """The last line of a paragraph, with the lines of a bracket it closes (a statement wrapped over lines)."""
    last = lines[-1]
    if _OPEN_AT_END.search(last) or not last.rstrip().endswith(tuple(_CLOSERS)):
        return last
    for k in range(len(lines) - 1, -1, -1):
        if _OPEN_AT_END.search("".join(lines[k:-1])):
            return "".join(lines[k:])
    return last


def _opens_statement(line: str) -> bool:
    """True for a line opening a bracket it does not close, whose start reads as a statement (（责任单位：…)."""
    found = _OPEN_AT_END.match(line.strip())
    return bool(found) and bool(_statement_label().match(found.group(1)))


def _statement_line(line: str, ended: bool) -> str:
    """A line that only states who is responsible, without brackets or final stop, else ""."""
    text = "".join(line.split()).rstrip(_SENTENCE_END)
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed:
        text = bracketed.group(1)
    elif not (ended or _statement_label().match(text)):
        return ""  # an unlabelled line after an open sentence continues that sentence
    return text if _stated_units(text, bare=bool(bracketed)) else ""


def _stated_units(text: str, bare: bool = False) -> Units | None:
    """The units a responsibility statement names (市交通委负责落实 …), or None if it is not one."""
    stated = _stated(text, bare)
    return stated[0] if stated else None


def _stated(text: str, bare: bool = True) -> tuple[Units, str | None] | None:
    """A responsibility statement's units and its labelled deadline (…牵头落实，完成时限：2024年10月), or None.

    A statement opens with a label (责任单位：) or ends with a verb (负责落实); with `bare`, for a bracket,
    nothing but names of bodies (公共服务处、艺术处) states them too (a line of names is a signature).
    """
    core, deadline = _deadline_clause(text.rstrip(_SENTENCE_END))
    if not core:
        return None
    if not (_statement_label().match(core) or core.endswith(_words("verb", _STATEMENTS)) or bare and reads_as_units(core)):
        return None
    units = split_units(core)
    names = [unit.name for unit in units.members]
    return (units, deadline) if names and all(map(_is_unit_name, names)) else None


def _deadline_clause(text: str) -> tuple[str, str | None]:
    """A statement without its labelled deadline clause (完成时限：…), and that deadline."""
    found = _deadline_label().search(text)
    if not found:
        return text, None
    return text[: found.start()].rstrip("，,；;、 "), text[found.end() :].strip("，,；;。 ") or None


def _is_unit_name(name: str) -> bool:
    """True when a name from a statement reads as a body (市交通委, 各区, 艺术处)."""
    return is_body_name(name) or _is_body(name)


def _enter_part(heading: str, state: _State) -> None:
    """Start a new part at an unnumbered heading (a notice or an attached plan)."""
    title = join_wrapped([heading.replace("**", "")])
    issuer = _issuer_label(title)
    if issuer:
        state.issuer = state.part = issuer
    else:
        state.part = state.issuer + title
    state.marks = [""] * _BULLET_LEVEL
    state.bullets = 0
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


def _states_units(paragraph: _Paragraph) -> bool:
    """True when a paragraph states its units in a line or a bracket of its own."""
    return bool(paragraph.statements) or any(units for _, units, _ in _pieces(join_wrapped(paragraph.lines)))


def _is_item(paragraph: _Paragraph, after: _Paragraph | None) -> bool:
    """False for a bare heading (一、加强组织领导) whose numbered children are the items."""
    parent = after is not None and after.part == paragraph.part and after.level > paragraph.level
    # A markdown heading stays an item: the author marked it as a section of its own.
    return not parent or paragraph.marked or _has_own_text(paragraph)


def _has_own_text(paragraph: _Paragraph) -> bool:
    """True when a paragraph says more than its heading."""
    text = join_wrapped(paragraph.lines)
    task = paragraph.task or _first_sentence(text)
    return bool(text.removeprefix(task).strip())


def _items(paragraph: _Paragraph, doc_id: str) -> list[Item]:
    """The Items of a paragraph: one, or one per sentence that carries its own units."""
    pieces = _pieces(join_wrapped(paragraph.lines))
    text = "".join(piece for piece, _, _ in pieces)
    task = _without_statements(paragraph.task) or _first_sentence(text)
    stated = split_units("；".join(paragraph.statements)) if paragraph.statements else None
    base = f"{paragraph.part} {paragraph.label}" if paragraph.part else paragraph.label
    numbers = [f"{base}-{k}" for k in range(1, len(pieces) + 1)] if len(pieces) > 1 else [base]
    if len(pieces) > 1:  # 一是…（X负责）；二是…（Y负责）: each part numbered by its own 一是, heading left out
        numbers, pieces = _enumerated(numbers, pieces, base)
    return [
        Item(
            doc=doc_id,
            number=number,
            task=task,
            text=piece,
            units=units or stated or _sentence_units(piece.removeprefix(task) or piece),
            deadline=when or deadline(piece),
            line=paragraph.line,
        )
        for number, (piece, units, when) in zip(numbers, pieces)
    ]


def _enumerated(numbers: list[str], pieces: list[tuple[str, Units | None, str | None]], base: str
                ) -> tuple[list[str], list[tuple[str, Units | None, str | None]]]:
    """Pieces opened by 一是/二是 …: numbered by that marker, the paragraph's heading before the first one dropped."""
    found = [_ENUMERATION.search(piece) for piece, _, _ in pieces]
    if not all(found[:-1]) or found[0] is None:
        return numbers, pieces
    labelled = []
    for k, ((piece, units, when), match) in enumerate(zip(pieces, found)):
        if match is None or (k and match.start() > 0):
            labelled.append((f"{base}-{k + 1}", (piece, units, when)))
        else:
            labelled.append((f"{base}{match.group(1)}", (piece[match.end():], units, when)))
    return [n for n, _ in labelled], [p for _, p in labelled]


def _pieces(text: str) -> list[tuple[str, Units | None, str | None]]:
    """Cut a text after each sentence-final unit parenthetical: (text without it, its units, its deadline).

    With a single such parenthetical the text stays whole; a tail after the last one is a piece too.
    A bracket left open at the very end (the page lost its "）") counts as closed there.
    """
    pieces: list[tuple[str, Units | None, str | None]] = []
    start = 0
    for found in [*_BRACKETED.finditer(text), *_OPEN_AT_END.finditer(text)]:
        stated = _stated(found.group(1)) if _ends_sentence_at(text, found) else None
        if stated is None or found.start() < start:
            continue
        stop = found.end()
        while stop < len(text) and text[stop] in _SENTENCE_END:
            stop += 1
        pieces.append((text[start : found.start()] + text[found.end() : stop], *stated))
        start = stop
    if len(pieces) == 1:  # one statement in the paragraph covers all of it
        return [(pieces[0][0] + text[start:], pieces[0][1], pieces[0][2])]
    if text[start:] or not pieces:
        pieces.append((text[start:], None, None))
    return pieces


def _ends_sentence_at(text: str, found: re.Match[str]) -> bool:
    """True when a parenthetical closes a sentence: a stop or the end after it, or a stop before it."""
    after = text[found.end() : found.end() + 1]
    before = text[found.start() - 1 : found.start()]
    return not after or after in _SENTENCE_END or (bool(before) and before in _SENTENCE_END)


def _without_statements(text: str) -> str:
    """A text with its sentence-final unit parentheticals removed."""
    return "".join(piece for piece, _, _ in _pieces(text))


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


def _sentence_units(text: str) -> Units:
    """Units from a paragraph's clauses: a clause that is a statement (X牵头, Y配合) with its roles, then
    the bodies the clauses tell to act."""
    told = _units(actors(text))
    clauses = (c.removeprefix("由") for c in _CLAUSE.split(re.sub(r"\s+", "", text)))
    stated = [unit for c in clauses if c and (units := _stated_units(c)) for unit in units.members]
    if not stated:
        return told
    members = {u.name: u for u in stated}
    for unit in told.members:
        members.setdefault(unit.name, unit)
    return Units(raw="、".join(members), members=tuple(members.values()))


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
def _words(section: str, name: str = _PATTERNS) -> tuple[str, ...]:
    """One [section] of a sectioned word list (the actor patterns by default), longest first."""
    current = ""
    entries: list[str] = []
    for entry in words(name):
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


@cache
def _deadline_label() -> re.Pattern[str]:
    """A deadline label inside a statement (，完成时限：), from the table header names for deadlines."""
    labels = sorted(table("table_layout.toml")["columns"]["deadline"], key=len, reverse=True)
    return re.compile(rf"[，,；;]?\s*(?:{'|'.join(map(re.escape, labels))})\s*[：:]")


@cache
def _statement_label() -> re.Pattern[str]:
    """A responsibility label and its colon opening a statement (责任单位：)."""
    labels = "|".join(map(re.escape, _words("label", _STATEMENTS)))
    return re.compile(rf"(?:{labels})[：:]")
