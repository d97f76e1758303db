"""The headers that mark the mail ClearCRM sends, so that it is never imported back.

No Django: ``notifications`` writes them, ``inbound.machine_mail`` recognises them.
"""

#: Our own header, on every email ClearCRM sends (value "yes").
OWN_HEADER = "X-ClearCRM-Notification"

#: Every email we send says it is automatic (RFC 3834 §5), asks Exchange not to
#: answer it with an out-of-office, and carries our own header.
OWN_MAIL_HEADERS = {
    "Auto-Submitted": "auto-generated",
    "X-Auto-Response-Suppress": "All",
    OWN_HEADER: "yes",
}
