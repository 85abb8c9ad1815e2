from django.urls import path  # noqa: F401  (routes are added here)

app_name = "schedule_setup"
urlpatterns: list = []  # availability setup for managers (types, resources, weekly templates, exceptions)
