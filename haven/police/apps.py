from django.apps import AppConfig


class PoliceConfig(AppConfig):
    name = "haven.police"
    label = "police"
    verbose_name = "Police investigations"
