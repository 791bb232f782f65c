from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self):
        from assessments import policy  # noqa: F401 - registers the app's rules
        from assessments.selectors import eligibility
        from notifications.eligibility import provide

        # Intake asks eligibility of the assurance history, which lives in this app.
        provide(eligibility)
