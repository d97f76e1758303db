"""Lead details from inbound email: form notifications and personal signatures.

Pure functions only (no Django, no database): the inbound pipeline calls
extract_lead_details() after parsing a message and before creating the lead.

What the values look like (``LeadDetails.fields[name].value``):

* email: validated with email-validator (no DNS), lower-cased.
* phone: E.164 (``+4989123456``); ``Value.display`` keeps the number as written.
  National numbers are read for the form's country field, else ``default_region``;
  without either only international numbers validate.
* website: an http(s) URL with a lower-case (IDNA) host; "www.acme.de" becomes
  "https://www.acme.de".
* country: the canonical English short name ("Deutschland", "DE", "DEU" ->
  "Germany"); a country we do not know stays as written. country_from_phone() gives
  a phone number's country as a hint only, it never fills the field.
* name: "Last, First" and all-caps/all-lower names are put right; first_name and
  last_name are filled alongside (first word plus initials / the rest).
* company: the form field, a signature line, or for a corporate sender without one
  the registrable domain ("acme.co.uk", source "address"); never a free-mail domain.
* description: forms only, the visitor's message. Personal emails fill no
  description and no extra: their body is the message itself.

Sources: "form_id" (id="field_x" elements), "form" (label/value pairs), "header"
(From / Reply-To), "signature", "address" (derived from the email address).
Values that fail validation are listed in ``invalid`` as (label, raw value);
placeholders such as "-" or "n/a" are treated as empty, not invalid.
"""

from .core import extract_lead_details
from .countries import canonical_country, country_from_phone
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
    "country_from_phone",
    "extract_lead_details",
    "is_free_mail_domain",
    "name_from_address",
    "split_name",
]
