"""`manage.py edi_inbox [--partner CODE]`: read the EDI drop folder now, as the beat task does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.edi.inbox import FileResult, inbox_process, inbox_process_all
from partners.models import Partner


class Command(BaseCommand):
    """Process the inbox of one partner (or of every EDI partner) and say what became of each file."""

    help = "Process the files waiting in edi/<partner>/inbox/: apply them, write 997s, file them away."

    def add_arguments(self, parser: CommandParser) -> None:
        """`--partner CODE` limits the run to one partner."""
        parser.add_argument("--partner", help="the partner's code (default: every active EDI partner)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the inbox and print one line per file and per transaction set."""
        code = options.get("partner")
        if code:
            partner = Partner.objects.filter(code=code).first()
            if partner is None:
                raise CommandError(f"No partner with code {code!r}.")
            runs = {partner.code: inbox_process(partner)}
        else:
            runs = inbox_process_all()
        files = 0
        for partner_code, results in runs.items():
            for result in results:
                files += 1
                self._report(partner_code, result)
        self.stdout.write(f"{files} file(s) read.")

    def _report(self, partner_code: str, result: FileResult) -> None:
        line = f"{partner_code}/{result.name}: {'processed' if result.ok else 'FAILED'} -> {result.moved_to}"
        self.stdout.write(self.style.SUCCESS(line) if result.ok else self.style.ERROR(line))
        for error in result.errors:
            self.stdout.write(f"  error: {error}")
        for item in result.sets:
            detail = f": {item.message}" if item.message else ""
            self.stdout.write(f"  ST*{item.code}*{item.control} {item.status}{detail}")
        for warning in result.warnings:
            self.stdout.write(f"  warning: {warning}")
