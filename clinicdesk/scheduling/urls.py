from django.urls import path  # noqa: F401  (routes are added here)

app_name = "schedule"
urlpatterns: list = []  # the schedule screens (day, week, find-available, booking)
