"""Accounts: sign-up, sign-in, password reset, profile and roles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
