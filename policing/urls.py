from django.urls import path

from . import views

app_name = "policing"

urlpatterns = [
    # Forces (issue 3): people, assignments, coverage
    path("people/", views.people, name="people"),
    path("people/new/", views.person_edit, name="person_create"),
    path("people/export/", views.people_export, name="people_export"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/export/", views.assignments_export, name="assignments_export"),
    path("assignments/import/", views.assignments_import, name="assignments_import"),
    path(
        "assignments/<int:pk>/handover/",
        views.assignment_handover,
        name="assignment_handover",
    ),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("coverage/", views.coverage, name="coverage"),
    # End of forces
]
