from django.urls import path

from clinicdesk.insurance import views

app_name = "insurance"
urlpatterns = [
    path("new/", views.coverage_edit, name="coverage_new"),
    path("<int:coverage_id>/edit/", views.coverage_edit, name="coverage_edit"),
    path("<int:coverage_id>/card/<str:side>/", views.coverage_card, name="coverage_card"),
]
