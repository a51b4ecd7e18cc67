from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from partners import receivers  # noqa: F401  (connects the receivers)
        from partners import receivers_3pl  # noqa: F401  (connects the 3PL connector's receivers, registers its tasks)
