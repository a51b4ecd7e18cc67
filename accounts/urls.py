"""The users pages and a person's own security page (included at /settings/)."""

from django.urls import path

from accounts.views import people, security

app_name = "accounts"

urlpatterns = [
    path("users/", people.people_index, name="people"),
    path("users/invite/", people.person_invite, name="invite"),
    path("users/sign-in-rules/", people.sign_in_rules, name="sign_in_rules"),
    path("users/<int:pk>/", people.person_detail, name="person"),
    path("users/<int:pk>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("users/<int:pk>/reactivate/", people.person_reactivate, name="person_reactivate"),
    path("users/<int:pk>/password-link/", people.person_password_link, name="person_password_link"),
    path("users/<int:pk>/unlock/", people.person_unlock, name="person_unlock"),
    path("users/<int:pk>/two-factor-reset/", people.person_two_factor_reset, name="person_two_factor_reset"),
    path("security/", security.security, name="security"),
]
