"""The audit log: who did what to which record, and when. Written by every domain, read by
admins; it depends on none of them."""
