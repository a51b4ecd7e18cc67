from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from partners import (
            receivers,  # noqa: F401  (connects the receivers)
            receivers_3pl,  # noqa: F401  (connects the 3PL connector's receivers, registers its tasks)
            receivers_terms,  # noqa: F401  (keeps routing's copy of partners' cost terms)
            signals,  # noqa: F401  (partners sends its PO signals whether or not anyone imported them)
            tasks_edi,  # noqa: F401  (registers the EDI inbox task: autodiscovery reads tasks.py only)
        )
