from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "haven.resources"
    label = "resources"
    verbose_name = "Resource bank and case studies"
