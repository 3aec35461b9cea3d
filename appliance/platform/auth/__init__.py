"""Identity, shared by the parts: users (roles user/moderator/admin), bcrypt passwords, JWT
sessions, lock-out of guesses, API keys, and the first-run secret (``firstrun.py``).
``service.py`` holds the logic (no HTTP); ``store.py`` the queries over the tables of
``tables.py`` (migration ``platform_0001_identity``). Route guards live with the part that
uses them."""

from appliance.platform.auth.firstrun import FirstRunSecret
from appliance.platform.auth.models import ApiKey, ApiKeyPage, NewApiKey, Role, SessionClaims, User
from appliance.platform.auth.service import IdentityService
from appliance.platform.auth.store import DuplicateUser, IdentityRepository

__all__ = [
    "ApiKey",
    "ApiKeyPage",
    "DuplicateUser",
    "FirstRunSecret",
    "IdentityRepository",
    "IdentityService",
    "NewApiKey",
    "Role",
    "SessionClaims",
    "User",
]
