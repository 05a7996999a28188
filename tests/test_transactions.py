"""One request, one transaction: what a view did is kept when it returns, and none of it when
it raises (elearning.web.transactions)."""

from flask import abort
from sqlalchemy import select

from elearning.accounts.models import User
from elearning.extensions import db


def test_a_view_that_returns_keeps_its_work_and_one_that_raises_keeps_none(make_app, create_user):
    app = make_app()
    create_user(email="judge@example.org")

    def rename(outcome: str):
        user = db.session.scalar(select(User).where(User.email == "judge@example.org"))
        user.institution = f"renamed, {outcome}"
        db.session.flush()  # written to the database, not yet committed
        if outcome == "refused":
            abort(403)
        return "done"

    app.add_url_rule("/probe/<outcome>", view_func=rename)
    client = app.test_client()

    def institution() -> str:
        with app.app_context():
            return db.session.scalar(
                select(User.institution).where(User.email == "judge@example.org")
            )

    assert client.get("/probe/refused").status_code == 403
    assert institution() != "renamed, refused"
    assert client.get("/probe/kept").status_code == 200
    assert institution() == "renamed, kept"
