"""Every size, count and depth the parser stops at: a hostile message costs bounded work."""

#: Messages bigger than this are parsed as if ``headers_only=True`` (safety net;
#: the fetcher normally enforces a smaller limit itself).
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
#: In headers-only mode at most this much of the input is looked at.
MAX_HEADER_BLOCK_BYTES = 1024 * 1024
#: MIME parts visited (depth-first, document order); the rest is ignored.
MAX_PARTS = 200
#: Multipart nesting below this depth is ignored.
MAX_DEPTH = 20
#: If the raw message has more lines starting with ``--`` than this (each MIME
#: part needs one), only the text before that line is given to the MIME parser.
MAX_DELIMITER_LINES = 5000
#: The MIME parser keeps each line as an object (60-130 bytes, and header lines
#: cost CPU time too); only about this many lines are given to it.  Long runs of
#: plain body lines (e.g. base64 attachments) are not given to it and not counted.
MAX_PARSE_LINES = 500_000
#: Headers kept in :attr:`ParsedEmail.headers`.
MAX_HEADERS = 300
#: Raw header fields scanned for the well-known headers (From, Subject, ...).
MAX_HEADER_SCAN = 2000
#: Values kept of one well-known header that occurs several times.
MAX_REPEATED_HEADER = 20
#: To: and Cc: fields read (their addresses are joined); From: and Reply-To: read once.
MAX_ADDRESS_FIELDS = 10
#: Characters kept of one decoded header value in :attr:`ParsedEmail.headers`.
MAX_HEADER_VALUE_CHARS = 16 * 1024
#: Characters of a raw header value given to a structured decoder.
MAX_STRUCTURED_HEADER_CHARS = 32 * 1024
MAX_HEADER_NAME_CHARS = 100
MAX_SUBJECT_CHARS = 998
MAX_NAME_CHARS = 256
MAX_EMAIL_CHARS = 320
MAX_ADDRESSES = 100
#: Comment words kept as a display name when an address has no other name.
MAX_COMMENT_WORDS = 20
MAX_MESSAGE_ID_CHARS = 500
MAX_MESSAGE_IDS = 1000
MAX_REFERENCES = 100
#: Characters of a raw Message-ID value read when it holds no bracketed id.
MAX_RAW_MESSAGE_ID_CHARS = 2000
#: Characters of a raw Date value read.
MAX_DATE_CHARS = 200
MAX_CONTENT_ID_CHARS = 250
#: Characters of a raw Content-ID value read.
MAX_RAW_CONTENT_ID_CHARS = 1000
MAX_ATTACHMENT_NAME_CHARS = 200
MAX_PARAMS = 50
MAX_PARAM_SECTIONS = 64
#: Longest MIME parameter name (RFC 2045 names are short; longer ones are junk).
MAX_PARAM_NAME_CHARS = 80
MAX_TEXT_CHARS = 1_000_000
MAX_HTML_CHARS = 1_000_000
#: HTML converted to text with inscriptis (its cost grows with the size).
MAX_HTML_TO_TEXT_CHARS = 500_000
#: nh3 (html5ever) gets quadratically slow with deep nesting; deeper HTML is dropped.
MAX_HTML_DEPTH = 256
#: Only HTML with more tags than this is checked for its nesting depth.
HTML_DEPTH_CHECK_MIN_TAGS = 3000
#: Bytes given to charset-normalizer for detection.
MAX_DETECT_BYTES = 64 * 1024
MAX_DEFECTS = 100
MAX_DEFECT_CHARS = 300
#: Problems reported per MIME part, per header field and per parser defect list.
MAX_PROBLEMS_PER_PART = 10
MAX_PROBLEMS_PER_HEADER = 3
#: Characters of a bad value (charset, content type, date) quoted in a defect.
QUOTED_LABEL_CHARS = 40
QUOTED_VALUE_CHARS = 60
