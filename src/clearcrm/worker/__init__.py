"""Background work: the schedule, the IMAP IDLE listener and the task queue.

Mail becomes leads on its own here. The database holds the schedule and who
does what (`Mailbox.next_check_at`, the listener lease); Huey only carries
"check mailbox N" from whoever noticed it is due to whichever worker is free.
"""
