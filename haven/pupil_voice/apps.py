from django.apps import AppConfig


class PupilVoiceConfig(AppConfig):
    name = "haven.pupil_voice"
    label = "pupil_voice"
    verbose_name = "Pupil voice"

    def ready(self) -> None:
        from .alerts import register_alerts

        register_alerts()
