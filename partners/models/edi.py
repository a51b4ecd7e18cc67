"""EDI control numbers we hand out per partner (ISA13 for each interchange, GS06 for each group)."""

from __future__ import annotations

from django.db import models

from partners.models import Partner


class EdiControlNumber(models.Model):
    """The last interchange and group control numbers we used with a partner.

    Incremented under `select_for_update` (`partners.edi.control.control_numbers_next`), so two
    workers writing files at once never send the same ISA13 twice: a partner's translator
    rejects a repeated control number as a duplicate interchange.
    """

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="edi_control")
    last_isa = models.PositiveIntegerField(default=0)
    last_gs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.partner_id}: ISA {self.last_isa}, GS {self.last_gs}"
