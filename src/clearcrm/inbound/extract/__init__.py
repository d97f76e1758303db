"""Lead details from inbound email: form notifications and personal signatures.

Pure functions only (no Django, no database): the inbound pipeline calls
extract_lead_details() after parsing a message and before creating the lead.

What the values look like (``LeadDetails.fields[name].value``):

* email: validated with email-validator (no DNS), lower-cased.
* phone: E.164 (``+4989123456``); ``Value.display`` keeps the number as written.
  National numbers are read for the first region that validates them (see
  phones.py): the mailbox's ``default_region``, the country written in the form or
  signature, the country-code domain of the visitor's email or website, then as
  guesses the form's label language and ``installation_region``; ``Value.region``
  and ``Value.region_source`` record which. A number none of them validates is
  kept as written with ``Value.checked`` False, never dropped.
* website: an http(s) URL with a lower-case (IDNA) host; "www.acme.de" becomes
  "https://www.acme.de".
* country: the canonical English short name ("Deutschland", "DE", "DEU" ->
  "Germany"); a country we do not know stays as written. Without a form field or a
  signature line it comes from the phone number's own "+" prefix (source "phone"),
  else from the visitor's country-code domain (source "domain").
* name: "Last, First" and all-caps/all-lower names are put right; first_name and
  last_name are filled alongside (first word plus initials / the rest).
* company: the form field, a signature line (one with a legal form such as "GmbH",
  the line below a title, the line between the name and the contact lines, or the
  last part of "Name | Title | Company"), or for a corporate sender without one the
  registrable domain ("acme.co.uk", source "address"); never a free-mail domain.
* description: forms only, the visitor's message. Personal emails fill no
  description and no extra: their body is the message itself.

Sources: "form_id" (id="field_x" elements), "form" (label/value pairs), "header"
(From / Reply-To), "signature", "address" (derived from the email address), and for
the country only "phone" and "domain".
Values that fail validation are listed in ``invalid`` as (label, raw value);
placeholders such as "-" or "n/a" are treated as empty, not invalid.
"""

from .core import extract_lead_details
from .countries import canonical_country
from .domains import is_free_mail_domain
from .model import FIELD_LIMITS, LEAD_FIELDS, SOURCES, LeadDetails, Value
from .names import name_from_address, split_name

__all__ = [
    "FIELD_LIMITS",
    "LEAD_FIELDS",
    "SOURCES",
    "LeadDetails",
    "Value",
    "canonical_country",
    "extract_lead_details",
    "is_free_mail_domain",
    "name_from_address",
    "split_name",
]
