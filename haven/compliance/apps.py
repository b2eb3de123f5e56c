from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "haven.compliance"
    label = "compliance"
    verbose_name = "Section 175 safeguarding audit"
