"""Layout rules every page template keeps, so no page scrolls sideways on a phone.

tests/browser/test_phone_layout.py measures the pages; this catches a new template early.
"""

from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def page_templates():
    for template in sorted(TEMPLATES.rglob("*.html")):
        relative = template.relative_to(TEMPLATES).as_posix()
        # Emails and PDFs have a fixed width of their own; only browser pages need the wrapper.
        if relative.startswith(("emails/", "admin/")) or relative.endswith("_pdf.html"):
            continue
        yield relative, template.read_text()


class TableWrapperFinder(HTMLParser):
    """Records each <table> that has no ancestor with the table-responsive class."""

    def __init__(self):
        super().__init__()
        self.open = []  # (tag, classes) of the elements enclosing the current position
        self.bare_tables = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and not any("table-responsive" in c for _, c in self.open):
            self.bare_tables.append(self.getpos()[0])
        if tag not in VOID:
            self.open.append((tag, classes))

    def handle_endtag(self, tag):
        # Closes the nearest open element of that name (and anything left unclosed inside it).
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return


def bare_tables(html: str) -> list[int]:
    finder = TableWrapperFinder()
    finder.feed(html)
    return finder.bare_tables


def test_the_checker_finds_a_bare_table_and_accepts_a_wrapped_one():
    assert bare_tables("<section><table><tr><td>x</td></tr></table></section>") == [1]
    wrapped = '<div class="table-responsive">{% if rows %}<table class="table"></table>{% endif %}'
    assert bare_tables(wrapped + "</div>") == []
    assert bare_tables(wrapped + "</div>\n<table></table>") == [2]


def test_every_table_scrolls_inside_its_own_box():
    offenders = [f"{name}:{line}" for name, html in page_templates() for line in bare_tables(html)]
    assert offenders == [], 'wrap these tables in <div class="table-responsive">'
