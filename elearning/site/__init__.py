"""Site-wide pages: home, the role-aware dashboard, health check."""

from flask import Blueprint

bp = Blueprint("site", __name__)
