from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "carriers"
    label = "carriers"
    verbose_name = "Carriers"
