"""The pages' links: built once and remembered, yet always those of the address being served."""

import re

from flask import render_template_string


def test_links_follow_the_prefix_the_platform_is_served_under(client):
    """Behind a proxy the platform may live under a path ("/academy/"): the links a page carries
    are built for the prefix each request comes in under, however often they were built before."""
    for prefix in ("", "/academy", "/other", ""):
        page = client.get("/signin", base_url=f"http://localhost{prefix}/").text
        assert f'action="{prefix}/language"' in page
        assert f'href="{prefix}/courses/"' in page
        assert f'href="{prefix}/static/app.css?v=' in page


def test_links_keep_their_values_apart(client):
    """Two addresses that differ only in a value's type (a page number, a flag) stay apart."""
    with client.application.test_request_context("/"):
        page = render_template_string(
            "{{ url_for('learning.course', course_slug='a', page=1) }} "
            "{{ url_for('learning.course', course_slug='a', page=True) }} "
            "{{ url_for('learning.course', course_slug='a', page=1) }}"
        )
    assert page.split() == ["/courses/a?page=1", "/courses/a?page=True", "/courses/a?page=1"]


def test_a_remembered_fragment_never_keeps_one_readers_token(app):
    """A fragment is rendered once for everyone: the CSRF token in its forms is each reader's
    own, put in on every request, even when the template asks for the field itself."""
    template = '{% call remembered("test") %}<form>{{ csrf_field() }}</form>{% endcall %}'
    tokens = []
    for _ in range(2):
        with app.test_request_context("/"):  # a new visitor: a session, and a token, of their own
            page = render_template_string(template)
        assert app.extensions["page_fragments"]  # remembered...
        tokens.append(re.search(r'value="([^"]+)"', page).group(1))
    assert tokens[0] != tokens[1]  # ...yet each has their own token
