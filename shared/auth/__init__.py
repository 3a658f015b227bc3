"""Bearer-token verification shared by every service (HS256 JWT from the secret key)."""
