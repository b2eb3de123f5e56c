from django.apps import AppConfig


class SafetyPlansConfig(AppConfig):
    name = "haven.safety_plans"
    label = "safety_plans"
    verbose_name = "Safety plans"
