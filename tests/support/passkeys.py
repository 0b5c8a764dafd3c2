"""A passkey made in software, to sign in with through the WebAuthn endpoints without a
browser: a P-256 key saved as django-otp-webauthn's credential, and the signed answer an
authenticator gives to the options those endpoints send."""

import hashlib
import json
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django_otp_webauthn.models import WebAuthnCredential

ORIGIN = "http://localhost"
RP_ID = "localhost"


def b64url(data):
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftPasskey:
    def __init__(self, user, name="Laptop"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        numbers = self.key.public_key().public_numbers()
        cose_key = {
            1: 2,  # EC2
            3: -7,  # ES256
            -1: 1,  # P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
        self.sign_count = 0
        self.device = WebAuthnCredential.objects.create(
            user=user,
            name=name,
            confirmed=True,
            credential_id=self.credential_id,
            public_key=cbor2.dumps(cose_key),
            sign_count=0,
            transports=["internal"],
        )

    def answer(self, options, origin=ORIGIN):
        """The authenticator's answer (the JSON the library's script posts) to ``options``."""
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": options["challenge"], "origin": origin}
        ).encode()
        self.sign_count += 1
        authenticator_data = (
            hashlib.sha256(RP_ID.encode()).digest()
            + bytes([0x05])  # user present, user verified
            + self.sign_count.to_bytes(4, "big")
        )
        signature = self.key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64url(authenticator_data),
                "clientDataJSON": b64url(client_data),
                "signature": b64url(signature),
            },
            "clientExtensionResults": {},
        }
