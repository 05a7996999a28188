"""Certificates: frozen records, PDFs rendered once at issue, public verification."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
