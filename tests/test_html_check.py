"""The HTML check finds what a browser would repair silently, and every test-client page gets it."""

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from crispy_forms.utils import render_crispy_form
from django import forms
from django.http import HttpResponse
from django.urls import path

from tests.html_check import html_problems

PAGE = "<!DOCTYPE html><html lang='en'><head><title>t</title></head><body>{}</body></html>"


def problems(body):
    return html_problems(PAGE.format(body))


def test_a_well_formed_page_has_no_problems():
    body = """
      <main id="main">
        <a href="#main">Skip</a>
        <p>One<p>Two, with its end tag left out
        <ul><li>a<li>b</ul>
        <table><tr><td>1<td>2<tr><td>3</table>
        <form><label for="name">Name</label>
          <input id="name" aria-describedby="name-help"><br/>
          <small id="name-help">Your <em>full</em> name</small>
          <select><option>a<option>b</select>
          <button type="submit">Save</button></form>
        <svg viewBox="0 0 1 1"><rect width="1" height="1"/><text>1</text></svg>
        <img src="x.png" alt="">
      </main>"""
    assert problems(body) == []


def test_it_finds_a_duplicate_id():
    found = problems('<input type="submit" id="submit-id-action"><input id="submit-id-action">')
    assert found == [
        'line 1: <input id="submit-id-action">: id "submit-id-action" is used twice '
        "(first at line 1)"
    ]


def test_it_finds_the_ids_two_crispy_submit_buttons_of_one_name_share():
    helper = FormHelper()
    helper.layout = Layout(Submit("action", "Save draft"), Submit("action", "Save and check"))
    form = render_crispy_form(forms.Form(), helper)
    assert any('id "submit-id-action" is used twice' in p for p in html_problems(form))


def test_it_finds_a_label_for_nothing_and_a_label_for_a_non_control():
    found = problems('<label for="nowhere">A</label><label for="d">B</label><div id="d"></div>')
    assert len(found) == 2
    assert 'for points at id "nowhere", not on the page' in found[0]
    assert 'for="d" names a <div>, not a control' in found[1]


def test_it_finds_aria_references_to_missing_ids():
    found = problems('<input aria-describedby="help error" aria-labelledby="x"><p id="help">h</p>')
    assert [p.split(": ", 2)[2] for p in found] == [
        'aria-describedby points at id "error", not on the page',
        'aria-labelledby points at id "x", not on the page',
    ]


def test_it_finds_an_in_page_link_to_a_missing_anchor():
    assert "href points at id" in problems('<a href="#results">Results</a>')[0]
    assert "leads nowhere" in problems('<a href="#">Results</a>')[0]
    assert problems('<a href="#top">Top</a><a name="old"></a><a href="#old">o</a>') == []


def test_it_finds_a_form_inside_a_form():
    assert "is inside another form" in problems("<form><form></form></form>")[0]


def test_it_finds_mis_nested_and_unclosed_elements():
    assert "is not closed before </div>" in problems("<div><span>text</div>")[0]
    assert html_problems("<section>text") == ["line 1: <section> is never closed"]
    assert "</span> has no open <span>" in problems("<div>text</span></div>")[0]
    assert "<div/> does not close itself" in problems("<div/>")[0]


def test_it_names_the_block_that_closed_a_paragraph_early():
    found = problems("<p>Intro <div>block</div></p>")
    assert found == ["line 1: </p> closes nothing: <div> at line 1 already ended the <p>"]


def test_it_finds_blocks_inside_phrasing_and_wrong_children():
    assert "cannot be inside <span>" in problems("<span><div>x</div></span>")[0]
    assert "cannot be inside <label>" in problems("<label><a href='/'><p>x</p></a></label>")[0]
    assert "cannot be a child of <ul>" in problems("<ul><div>x</div></ul>")[0]
    assert "cannot be a child of <tr>" in problems("<table><tr><div>x</div></tr></table>")[0]


def test_it_finds_controls_inside_links_and_buttons():
    assert "also interactive" in problems("<a href='/'><button>x</button></a>")[0]
    assert "also interactive" in problems("<button><a href='/'>x</a></button>")[0]
    assert problems("<button><input type='hidden' name='x'></button>") == []


def test_it_finds_repeated_attributes_missing_alt_and_doctype():
    assert "attribute class is given twice" in problems('<p class="a" class="b">x</p>')[0]
    assert "needs an alt attribute" in problems('<img src="x.png">')[0]
    assert html_problems("<html><body></body></html>") == [
        "line 1: a page must start with <!DOCTYPE html>"
    ]


def test_it_reports_line_numbers():
    assert problems('\n\n<p id="a"></p>\n<p id="a"></p>')[0].startswith("line 4:")


def duplicate_ids(request):
    return HttpResponse(PAGE.format('<p id="twice"></p><p id="twice"></p>'))


urlpatterns = [path("duplicate-ids/", duplicate_ids)]


@pytest.mark.urls("tests.test_html_check")
def test_every_html_page_the_test_client_gets_is_checked(client):
    with pytest.raises(AssertionError) as failure:
        client.get("/duplicate-ids/?page=2")
    assert str(failure.value).splitlines()[:2] == [
        "HTML errors in GET /duplicate-ids/?page=2 (200):",
        '  line 1: <p id="twice">: id "twice" is used twice (first at line 1)',
    ]


@pytest.mark.urls("tests.test_html_check")
def test_a_client_made_in_the_test_is_checked_too():
    from django.test import Client

    with pytest.raises(AssertionError, match='id "twice" is used twice'):
        Client().post("/duplicate-ids/")
