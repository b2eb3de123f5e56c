from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "haven.organisations"
    label = "organisations"
