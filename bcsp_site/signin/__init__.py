"""Signing in to the admin: the throttled password reset and the second factor (TOTP
authenticator apps and recovery codes, through django-otp)."""
