from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "haven.workspace"
    label = "workspace"
    verbose_name = "The DSL's workspace"
