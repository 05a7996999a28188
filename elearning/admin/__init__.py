"""Administration: user management, platform figures, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
