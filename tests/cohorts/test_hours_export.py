"""A cohort's hours of continuing education, exported by its trainers."""

from __future__ import annotations

import csv
import io

from elearning.accounts.models import Role


def test_a_trainer_exports_their_cohorts_hours_and_no_other(
    client, auth, trainer, make_cohort, add_judge, create_user
):
    cohort = make_cohort(trainer)
    add_judge(cohort, pre="right", lessons=99, post=("right",), name="Judge Hana Sato")
    add_judge(cohort, pre="right", lessons=99, post=("wrong",), name="Judge No Pass")
    auth.login("trainer@example.org")
    response = client.get(f"/cohorts/{cohort.id}/hours.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Judge", "Course", "Certificate"]
    assert [row[0] for row in rows[1:]] == ["Judge Hana Sato"]
    assert client.get(f"/cohorts/{cohort.id}/hours.xlsx").status_code == 200
    auth.logout()
    create_user(email="other@example.org", role=Role.trainer)
    auth.login("other@example.org")
    assert client.get(f"/cohorts/{cohort.id}/hours.csv").status_code == 404
