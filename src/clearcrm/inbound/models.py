"""Mailboxes, folder cursors, the import ledger, run history, spam and assignment rules."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from clearcrm.inbound import crypto
from clearcrm.inbound.safe_regex import validate_pattern

MB = 1024 * 1024


class Mailbox(models.Model):
    class Encryption(models.TextChoices):
        SSL = "ssl", "SSL/TLS (implicit, port 993)"
        STARTTLS = "starttls", "STARTTLS (port 143)"
        NONE = "none", "None (plain text: trusted networks only)"

    class AfterImport(models.TextChoices):
        KEEP = "keep", "Leave on the server"
        DELETE = "delete", "Delete"
        MOVE = "move", "Move to folder"

    DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}

    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    host = models.CharField("IMAP server", max_length=255)
    port = models.PositiveIntegerField(default=993)
    encryption = models.CharField(max_length=10, choices=Encryption, default=Encryption.SSL)
    skip_verify = models.BooleanField(
        "skip certificate verification",
        default=False,
        help_text="Only for servers with a self-signed certificate.",
    )
    login = models.CharField("email address (login)", max_length=254)
    password_encrypted = models.TextField(editable=False, default="")
    folders = models.JSONField(default=list, help_text="folders to retrieve")
    check_every = models.PositiveIntegerField(
        "check every (minutes)", default=10, validators=[MinValueValidator(1)]
    )
    only_unseen = models.BooleanField(
        "only check non-opened emails",
        default=True,
        help_text="Consider only unread mail, and mark each imported message read.",
    )
    create_task_if_customer = models.BooleanField(
        "create task if email sender is already a customer", default=False
    )
    after_import = models.CharField(max_length=10, choices=AfterImport, default=AfterImport.KEEP)
    move_to = models.CharField("move to folder", max_length=255, blank=True)
    mark_public = models.BooleanField("auto mark as public", default=False)
    default_status = models.ForeignKey(
        "leads.LeadStatus", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_source = models.ForeignKey(
        "leads.LeadSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="responsible for new lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    since = models.DateField("import mail received since", null=True, blank=True)
    max_message_size = models.PositiveIntegerField(default=25 * MB)
    import_list_mail = models.BooleanField(
        "import mailing-list mail", default=False, help_text="Off: mail with List-Id is skipped."
    )
    sender_rate_limit = models.PositiveIntegerField(
        "messages per sender per hour",
        default=20,
        help_text="More from one sender within 60 minutes create no leads or tasks.",
    )
    phone_region = models.CharField(
        "default phone region",
        max_length=2,
        blank=True,
        help_text="ISO country code for phone numbers written without +, e.g. DE.",
    )

    class Notify(models.TextChoices):
        RESPONSIBLE = "responsible", "The responsible (assigned) staff member"
        STAFF = "staff", "Specific staff members"
        ROLES = "roles", "Staff members with given roles"

    notify_imported = models.BooleanField("notify when a lead is imported", default=True)
    notify_lead_writes_again = models.BooleanField(
        "notify when an existing lead writes again", default=True
    )
    notify = models.CharField(
        "who is notified", max_length=12, choices=Notify, default=Notify.RESPONSIBLE
    )
    notify_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="staff to notify"
    )
    notify_roles = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", verbose_name="roles to notify"
    )

    push = models.BooleanField(
        "push (IMAP IDLE)",
        default=True,
        help_text="Import new mail within seconds when the server offers IDLE; "
        "the schedule keeps running as a safety net.",
    )

    class ListenerState(models.TextChoices):
        IDLE = "idle", "Waiting for new mail (IDLE)"
        POLLING = "polling", "Server has no IDLE: schedule only"
        OFF = "off", "No listener"
        ERROR = "error", "Listener cannot connect"

    # State kept by the worker (clearcrm.worker): the schedule, failure
    # tracking, and the IDLE listener's lease on the mailbox.
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    failures_since = models.DateTimeField(null=True, blank=True, editable=False)
    failing = models.BooleanField(default=False, editable=False)
    listener_owner = models.CharField(max_length=100, blank=True, editable=False)
    listener_expires = models.DateTimeField(null=True, blank=True, editable=False)
    listener_state = models.CharField(
        max_length=10, choices=ListenerState, default=ListenerState.OFF, editable=False
    )

    # State kept by the engine.
    lease_owner = models.CharField(max_length=100, blank=True, editable=False)
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"
        constraints = [
            models.CheckConstraint(
                condition=~Q(after_import="move") | ~Q(move_to=""), name="move_needs_folder"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def password(self) -> str:
        return crypto.decrypt(self.password_encrypted) if self.password_encrypted else ""

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = crypto.encrypt(value)

    @property
    def folder_names(self) -> list[str]:
        return list(self.folders) or ["INBOX"]

    @property
    def changes_server(self) -> bool:
        """Whether an import flags, moves or deletes mail (else folders open read-only)."""
        return self.only_unseen or self.after_import != self.AfterImport.KEEP


class MailboxFolder(models.Model):
    """The engine's cursor and health for one folder of a mailbox."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folder_states")
    name = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["mailbox", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "name"], name="one_state_per_folder")
        ]

    def __str__(self) -> str:
        return f"{self.mailbox}/{self.name}"


class Outcome(models.TextChoices):
    PENDING = "pending", "Pending"
    LEAD_CREATED = "lead_created", "Lead created"
    LEAD_APPENDED = "lead_appended", "Added to a lead's conversation"
    TASK_CREATED = "task_created", "Task created for customer"
    CUSTOMER_LOGGED = "customer_logged", "Logged on customer"
    DUPLICATE = "duplicate", "Duplicate"
    SKIPPED_OLD = "skipped_old", "Older than 'import since'"
    BLOCKED = "blocked", "Blocked by a spam rule"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    BOUNCE = "bounce", "Bounce"
    LIST_MAIL = "list_mail", "Mailing-list mail"
    RATE_LIMITED = "rate_limited", "Too many from one sender"
    OWN_MAIL = "own_mail", "Sent by ClearCRM itself"
    FAILED = "failed", "Failed"


class PostAction(models.TextChoices):
    NONE = "none", "Nothing to do"
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (will retry)"


class LedgerEntry(models.Model):
    """One message seen at one place on the server, and what became of it.

    The first entry for a message (by Message-ID, else a hash of its bytes)
    owns it; any other copy, in another folder or mailbox, points at it with
    `duplicate_of`. The unique constraints make a second attempt a no-op.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="ledger")
    folder = models.ForeignKey(MailboxFolder, on_delete=models.CASCADE, related_name="ledger")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_key = models.CharField(max_length=600)
    message_id = models.CharField(max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    size = models.PositiveBigIntegerField(default=0)
    received_at = models.DateTimeField(null=True, blank=True)
    sender = models.CharField(
        max_length=300, blank=True, help_text="the reply address as written, with its name"
    )
    sender_address = models.CharField(
        max_length=254, blank=True, help_text="the correspondent's address, normalised"
    )
    subject = models.CharField(max_length=998, blank=True)

    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.PENDING)
    reason = models.TextField(blank=True, help_text="why the engine decided so")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    raw_file = models.CharField(max_length=200, blank=True, help_text="kept copy of a failure")

    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger"
    )
    lead_email = models.ForeignKey(
        "leads.LeadEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        "tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger",
    )

    post_action = models.CharField(max_length=10, choices=PostAction, default=PostAction.NONE)
    post_action_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "ledger entry"
        verbose_name_plural = "import ledger"
        constraints = [
            models.UniqueConstraint(
                fields=["folder", "uidvalidity", "uid"], name="one_entry_per_server_message"
            ),
            models.UniqueConstraint(
                fields=["message_key"],
                condition=Q(duplicate_of__isnull=True),
                name="one_owner_per_message",
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "-created"]),
            models.Index(fields=["folder", "post_action"]),
            models.Index(fields=["sender_address", "created"]),
        ]

    def __str__(self) -> str:
        return f"{self.folder} UID {self.uid}: {self.outcome}"


class ImportRun(models.Model):
    """The summary of one import run of one mailbox."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="runs")
    started = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    seen = models.PositiveIntegerField(default=0)
    outcomes = models.JSONField(default=dict)
    errors = models.JSONField(default=list)

    class Meta:
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"{self.mailbox} at {self.started:%Y-%m-%d %H:%M}"


class SpamRuleQuerySet(models.QuerySet["SpamRule"]):
    def for_mailbox(self, mailbox: Mailbox) -> list[SpamRule]:
        """The rules that apply to a mailbox's mail: its own and the global ones."""
        return list(self.filter(Q(mailbox=mailbox) | Q(mailbox=None)))


class SpamRule(models.Model):
    """A block (or allow) rule; an allow rule that matches wins over every block rule.

    "sender" and "domain" rules match the message's sender (From) or reply
    address (Reply-To): spam is judged on what the headers claim.
    """

    class Type(models.TextChoices):
        SENDER = "sender", "Sender (From) or Reply-To address"
        DOMAIN = "domain", "Sender (From) or Reply-To domain (and its subdomains)"
        SUBJECT = "subject", "Subject contains"
        PHRASE = "phrase", "Text body contains"
        REGEX = "regex", "Regular expression on subject or body"

    type = models.CharField(max_length=10, choices=Type)
    value = models.CharField(max_length=500)
    allow = models.BooleanField(
        default=False, help_text="An allow rule: never block what it matches."
    )
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="spam_rules",
        help_text="Empty: applies to every mailbox.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = SpamRuleQuerySet.as_manager()

    class Meta:
        ordering = ["-allow", "type", "value"]

    def __str__(self) -> str:
        return f"{'allow' if self.allow else 'block'} {self.type} {self.value!r}"

    def clean(self) -> None:
        if self.type == self.Type.REGEX:
            try:
                validate_pattern(self.value)
            except ValidationError as exc:
                raise ValidationError({"value": exc.messages}) from None


class AssignmentRuleQuerySet(models.QuerySet["AssignmentRule"]):
    def for_mailbox(self, mailbox: Mailbox) -> list[AssignmentRule]:
        """The active rules for a mailbox's new leads, in the order they are tried."""
        rules = self.filter(Q(mailbox=mailbox) | Q(mailbox=None), active=True)
        rules = rules.select_related("assignee__staff", "set_status", "set_source")
        rules = rules.prefetch_related("team__staff")
        # The mailbox's own rules come before the global ones.
        return sorted(rules, key=lambda r: (r.mailbox_id is None, r.position, r.pk))


class AssignmentRule(models.Model):
    """Ordered per mailbox (or global); the first rule whose conditions all match assigns.

    "sender" and "sender_domain" are the correspondent's (a web form's visitor,
    else the Reply-To, else the From address; see ``inbound.message``).
    """

    #: The conditions, each a text field; empty ones are ignored. The engine
    #: (inbound.assign), the CLI and the forms all read this list.
    CONDITIONS = ("sender", "sender_domain", "to", "subject_contains", "body_contains", "regex",
                  "folder", "phone_country")  # fmt: skip

    class Mode(models.TextChoices):
        USER = "user", "One staff member"
        ROUND_ROBIN = "round_robin", "Team, in turn (round-robin)"
        LEAST_BUSY = "least_busy", "Team, whoever has the fewest open leads"

    name = models.CharField(max_length=100)
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_rules",
        help_text="Empty: applies to every mailbox, after the mailbox's own rules.",
    )
    position = models.PositiveIntegerField(default=0, help_text="lower first")
    active = models.BooleanField(default=True)
    # Conditions (CONDITIONS), all of which must hold (empty ones are ignored).
    sender = models.CharField(
        max_length=254, blank=True, help_text="the correspondent's address (a form's visitor)"
    )
    sender_domain = models.CharField(
        max_length=254, blank=True, help_text="the correspondent's domain (and its subdomains)"
    )
    to = models.CharField("recipient", max_length=254, blank=True)
    subject_contains = models.CharField(max_length=200, blank=True)
    body_contains = models.CharField(max_length=200, blank=True)
    regex = models.CharField(
        max_length=500, blank=True, validators=[validate_pattern], help_text="on subject or body"
    )
    folder = models.CharField(max_length=255, blank=True)
    phone_country = models.CharField(
        max_length=2, blank=True, help_text="ISO code of the sender's phone number, e.g. DE"
    )
    # Actions.
    mode = models.CharField(max_length=12, choices=Mode, default=Mode.USER)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    set_status = models.ForeignKey(
        "leads.LeadStatus", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_source = models.ForeignKey(
        "leads.LeadSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_public = models.BooleanField(null=True, blank=True)
    add_note = models.TextField(blank=True)
    turns = models.PositiveBigIntegerField(default=0, editable=False, help_text="round-robin")

    objects = AssignmentRuleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name
