"""What a browser would send: the successful controls of an HTML form, read from the page itself.

Used by the round-trip tests, so that a value the server saved but the page fails to show
(a Yes/No answer rendered as "Not answered") is caught the way a person would lose it.
"""

import re
from html.parser import HTMLParser

from django.http import QueryDict

SKIPPED_INPUT_TYPES = {"submit", "button", "image", "reset", "file"}


class _Form:
    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: dict | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form = _Form(attrs)
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in attrs:
            if tag == "select":
                self._select = None
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in SKIPPED_INPUT_TYPES:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._form.fields.append((name, attrs.get("value", "on")))
                return
            self._form.fields.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "selected": "selected" in attrs,
                "disabled": "disabled" in attrs,
                "text": [],
            }
            self._select["options"].append(self._option)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # HTML drops one newline straight after <textarea>; Django's widget writes one.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self._form.fields.append((name, text))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._close_select()

    def _close_select(self):
        select, self._select = self._select, None
        options = [option for option in select["options"] if not option["disabled"]]
        chosen = [option for option in options if option["selected"]]
        if not chosen and not select["multiple"] and options:
            chosen = options[:1]  # a single select with nothing selected sends its first option
        if not select["multiple"]:
            chosen = chosen[-1:]
        for option in chosen:
            value = option["value"]
            if value is None:
                value = " ".join("".join(option["text"]).split())
            self._form.fields.append((select["name"], value))


def forms_in(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def fields_of(html: str) -> list[tuple[str, str]]:
    """The controls of a fragment that is not wrapped in a <form> (one form rendered alone)."""
    return forms_in(f"<form>{html}</form>")[0].fields


def form_data(html: str, *, action: str | None = None, form_id: str | None = None) -> QueryDict:
    """What submitting the form (the one posting to `action`, or with `form_id`) would send."""
    candidates = [
        form
        for form in forms_in(html)
        if (action is None or form.attrs.get("action") == action)
        and (form_id is None or form.attrs.get("id") == form_id)
    ]
    assert len(candidates) == 1, (
        f"expected one form (action={action!r}, id={form_id!r}), found {len(candidates)}"
    )
    return as_query_dict(candidates[0].fields)


def postable(data: QueryDict) -> dict[str, list[str]]:
    """For the test client, which would send only the last value of each key of a QueryDict."""
    return dict(data.lists())


def as_query_dict(fields: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields:
        data.appendlist(name, value)
    return data


_SUMMARY = re.compile(r'<div class="[^"]*error-summary[^"]*".*?</ul>', re.S)
_SUMMARY_LINK = re.compile(r'<a href="#([^"]+)">(.*?)</a>', re.S)


def errors_away_from_their_fields(html: str) -> list[str]:
    """Errors in a page's error summaries that do not lead to, and stand beside, their field."""
    problems = []
    summaries = _SUMMARY.findall(html)
    for summary in summaries:
        for target, text in _SUMMARY_LINK.findall(summary):
            message = text.split(": ", 1)[-1].strip()
            at = html.find(f'id="{target}"')
            if at == -1:
                problems.append(f"the summary links to #{target}, which is not on the page")
                continue
            ends = [
                end
                for end in (html.find(' id="div_', at + 1), html.find("</form>", at))
                if end != -1
            ]
            field_end = min(ends) if ends else len(html)
            if message not in html[at:field_end]:
                problems.append(f"“{message}” is not shown beside its field #{target}")
    return problems
