"""The outbox: every e-mail the platform sends, queued in the request and delivered by a job.

A message is a row first (who, what kind, in which language), so it is sent once, retried when
the mail server fails, visible to those who may see it (a cohort's invitations to its
trainers), and can be sent again. Links that carry a secret (activation, reset, invitation) are
made by the job that sends them: the secret exists only in the message, never in a table.
"""
