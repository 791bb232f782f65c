"""Finds the HTML errors a browser repairs silently, so no test notices them.

Duplicate ids, labels and ARIA attributes pointing at nothing, in-page links to missing
anchors, nested forms or controls, elements a parent may not hold, and stray, missing or
mis-nested end tags. tests/conftest.py runs it on every HTML page the Django test client
receives; the browser tests run it on every page they leave.
"""

from html.parser import HTMLParser
from urllib.parse import unquote

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Elements whose end tag HTML lets an author leave out.
OPTIONAL_END = {
    "html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
    "thead", "tbody", "tfoot", "colgroup", "rt", "rp",
}  # fmt: skip
# An open element (key) that the start of one of these elements (value) closes.
CLOSED_BY_START = {
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "option": {"option", "optgroup", "hr"},
    "optgroup": {"optgroup", "hr"},
    "tr": {"tr", "tbody", "thead", "tfoot"},
    "td": {"td", "th", "tr", "tbody", "thead", "tfoot"},
    "th": {"td", "th", "tr", "tbody", "thead", "tfoot"},
    "thead": {"tbody", "tfoot"},
    "tbody": {"tbody", "tfoot"},
    "rt": {"rt", "rp"},
    "rp": {"rt", "rp"},
}
# Block elements: each closes an open <p>, and none may sit inside phrasing-only elements.
BLOCK = {
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
PHRASING_ONLY = {
    "abbr", "b", "bdi", "bdo", "button", "cite", "code", "data", "dfn", "em", "i", "kbd",
    "label", "mark", "output", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "time", "u", "var", *HEADINGS,
}  # fmt: skip
# These take their content model from their parent, so the check looks further up.
TRANSPARENT = {"a", "ins", "del", "map", "noscript", "object", "canvas", "audio", "video"}
# A parent and the only children it may hold (besides script and template).
ALLOWED_CHILDREN = {
    "ul": {"li"},
    "ol": {"li"},
    "menu": {"li"},
    "dl": {"dt", "dd", "div"},
    "select": {"option", "optgroup", "hr"},
    "optgroup": {"option"},
    "table": {"caption", "colgroup", "thead", "tbody", "tfoot", "tr"},
    "thead": {"tr"},
    "tbody": {"tr"},
    "tfoot": {"tr"},
    "tr": {"td", "th"},
}
INTERACTIVE = {"a", "button", "select", "textarea", "input", "details", "iframe", "embed"}
FOREIGN = {"svg", "math"}
# Attributes holding the ids of other elements on the page.
IDREFS = {
    "aria-activedescendant", "aria-controls", "aria-describedby", "aria-details",
    "aria-errormessage", "aria-flowto", "aria-labelledby", "aria-owns", "headers",
}  # fmt: skip
FORM_ASSOCIATED = {"button", "fieldset", "input", "object", "output", "select", "textarea"}
LABELABLE = {"button", "input", "meter", "output", "progress", "select", "textarea"}


def html_problems(html: str) -> list[str]:
    """Every problem found in one HTML document or fragment, each a line naming where it is."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.finish(html)


class _Element:
    __slots__ = ("attrs", "line", "tag", "text")

    def __init__(self, tag, attrs, line, text):
        self.tag, self.attrs, self.line, self.text = tag, attrs, line, text


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self.stack: list[_Element] = []
        self.ids: dict[str, tuple[int, str]] = {}  # id: line and tag
        self.anchor_names: set[str] = set()
        # Line, start tag's text, tag, attribute, and the id it names.
        self.references: list[tuple[int, str, str, str, str]] = []
        self.main_count = 0
        # Why the last <p> was closed early, for the message about its stray </p>.
        self.p_closed_by: tuple[str, int] | None = None

    def problem(self, message, line=None):
        self.problems.append((line or self.getpos()[0], message))

    def handle_starttag(self, tag, attrs):
        self.start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag, attrs):
        self.start(tag, attrs, self_closing=True)

    def start(self, tag, attrs, *, self_closing):
        line = self.getpos()[0]
        text = _shorten(self.get_starttag_text() or f"<{tag}>")
        in_foreign = any(element.tag in FOREIGN for element in self.stack)
        if not in_foreign:
            self.close_implied_by(tag, line)
            self.check_placement(tag, attrs, text)
        self.check_attributes(tag, attrs, line, text)
        if tag in VOID:
            return
        if self_closing and (in_foreign or tag in FOREIGN):
            return
        if self_closing:
            self.problem(f"{text}: <{tag}/> does not close itself in HTML; write <{tag}></{tag}>")
        self.stack.append(_Element(tag, dict(attrs), line, text))

    def close_implied_by(self, tag, line):
        while self.stack and tag in CLOSED_BY_START.get(self.stack[-1].tag, ()):
            self.stack.pop()
        if tag in BLOCK and self.stack and self.stack[-1].tag == "p":
            self.stack.pop()
            self.p_closed_by = (tag, line)

    def check_placement(self, tag, attrs, text):
        parent = next((e for e in reversed(self.stack) if e.tag not in TRANSPARENT), None)
        if parent is None:
            return
        if tag in BLOCK and parent.tag in PHRASING_ONLY:
            self.problem(f"{text} cannot be inside <{parent.tag}> (line {parent.line})")
        allowed = ALLOWED_CHILDREN.get(self.stack[-1].tag)
        if allowed is not None and tag not in allowed | {"script", "template"}:
            top = self.stack[-1]
            self.problem(f"{text} cannot be a child of <{top.tag}> (line {top.line})")
        if tag == "form" and (outer := self.open("form")):
            self.problem(f"{text} is inside another form (line {outer.line}); browsers drop it")
        is_control = tag in INTERACTIVE and dict(attrs).get("type") != "hidden"
        if is_control and (outer := self.open("a") or self.open("button")):
            self.problem(f"{text} is inside <{outer.tag}> (line {outer.line}), also interactive")

    def open(self, tag):
        return next((e for e in reversed(self.stack) if e.tag == tag), None)

    def check_attributes(self, tag, attrs, line, text):
        names = [name for name, _ in attrs]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(f"{text}: attribute {name} is given twice")
        values = dict(attrs)
        if "id" in values:
            element_id = values["id"] or ""
            if not element_id or any(c.isspace() for c in element_id):
                self.problem(f'{text}: id "{element_id}" must be non-empty with no spaces')
            elif element_id in self.ids:
                first = self.ids[element_id][0]
                self.problem(f'{text}: id "{element_id}" is used twice (first at line {first})')
            else:
                self.ids[element_id] = (line, tag)
        if tag == "a" and values.get("name"):
            self.anchor_names.add(values["name"])
        if tag == "main" and "hidden" not in values:
            self.main_count += 1
            if self.main_count == 2:
                self.problem(f"{text}: a page has one visible <main>")
        if tag == "img" and "alt" not in values:
            self.problem(f"{text}: an image needs an alt attribute (empty if decorative)")
        for name, value in attrs:
            for target in _referenced_ids(tag, name, value or ""):
                self.references.append((line, text, tag, name, target))
        href = values.get("href")
        if tag == "a" and href == "#":
            self.problem(f'{text}: href="#" leads nowhere; link to an id or use a button')
        elif tag == "a" and href and href.startswith("#") and href != "#top":
            self.references.append((line, text, tag, "href", unquote(href[1:])))

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID:
            self.problem(f"</{tag}>: <{tag}> has no end tag")
            return
        index = next(
            (i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i].tag == tag), None
        )
        if index is None:
            if tag == "p" and self.p_closed_by:
                block, at = self.p_closed_by
                self.problem(f"</p> closes nothing: <{block}> at line {at} already ended the <p>")
            elif tag not in FOREIGN and not any(e.tag in FOREIGN for e in self.stack):
                self.problem(f"</{tag}> has no open <{tag}>")
            return
        for element in self.stack[index + 1 :]:
            if element.tag not in OPTIONAL_END:
                self.problem(
                    f"{element.text} (line {element.line}) is not closed before </{tag}> "
                    f"at line {line}",
                    element.line,
                )
        del self.stack[index:]

    def finish(self, html):
        for element in self.stack:
            if element.tag not in OPTIONAL_END:
                self.problem(f"{element.text} is never closed", element.line)
        if "<html" in html.lower() and not html.lstrip().lower().startswith("<!doctype html>"):
            self.problem("a page must start with <!DOCTYPE html>", 1)
        for line, text, tag, attribute, target in self.references:
            if attribute == "href" and target in self.anchor_names:
                continue
            if target not in self.ids:
                self.problem(f'{text}: {attribute} points at id "{target}", not on the page', line)
                continue
            target_tag = self.ids[target][1]
            if tag == "label" and attribute == "for" and target_tag not in LABELABLE:
                self.problem(f'{text}: for="{target}" names a <{target_tag}>, not a control', line)
        ordered = sorted(self.problems, key=lambda problem: problem[0])
        return [f"line {line}: {message}" for line, message in ordered]


def _referenced_ids(tag, name, value):
    if name in IDREFS or (name == "for" and tag == "output"):
        return value.split()
    single = {("for", "label"), ("list", "input")} | {("form", t) for t in FORM_ASSOCIATED}
    return [value] if (name, tag) in single else []


def _shorten(text, limit=120):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
