from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "haven.demo"
    label = "demo"
    verbose_name = "Demo world"
