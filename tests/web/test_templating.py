"""The pages' links: built once and remembered, yet always those of the address being served."""

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
