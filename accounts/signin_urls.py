"""Sign-in pages (included at /accounts/, before Django's own, whose login they replace)."""

from django.urls import path

from accounts.views import security, signin

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/code/", signin.login_code, name="login_code"),
    path("set-password/<uidb64>/<token>/", signin.PasswordSetView.as_view(), name="password_set"),
    # A supplier's session may use /accounts/ and its portal only: its security page lives here too.
    path("security/", security.security, name="accounts_security"),
]
