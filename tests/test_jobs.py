"""A job is queued when the whole transaction that asked for it commits: not when a savepoint
inside it is released, and not forgotten when a savepoint inside it rolls back
(elearning.jobs.after_commit)."""

from sqlalchemy import select

from elearning import jobs
from elearning.extensions import db


def test_a_job_waits_for_the_real_commit_and_survives_a_rolled_back_savepoint(app_ctx):
    ran: list[str] = []
    session = db.session

    jobs.after_commit(session, ran.append, "before the savepoints")
    with session.begin_nested():
        jobs.after_commit(session, ran.append, "in a released savepoint")
    assert ran == []  # a released savepoint is not the commit

    savepoint = session.begin_nested()
    savepoint.rollback()  # a refused step inside the request; the request goes on
    assert ran == []

    session.commit()
    assert ran == ["before the savepoints", "in a released savepoint"]


def test_a_rolled_back_transaction_queues_nothing(app_ctx):
    ran: list[str] = []
    db.session.execute(select(1))  # the transaction has begun
    jobs.after_commit(db.session, ran.append, "never")
    db.session.rollback()
    db.session.commit()
    assert ran == []
