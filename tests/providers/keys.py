"""Keys the provider tests generate for themselves (python3-cryptography,
Debian's package): RSA 2048 pairs in PEM, SHA256withRSA signatures in
base64 and AES-256-GCM sealing, as WeChat Pay and Alipay use them."""

import base64
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeyPair:
    def __init__(self):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public = self.private.public_key()

    def private_pem(self):
        return self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode()

    def public_pem(self):
        return self.public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def public_bare(self):
        """The base64 body alone, as Alipay's console shows a public key."""
        return "".join(line for line in self.public_pem().splitlines() if not line.startswith("-----"))

    def sign(self, message):
        if isinstance(message, str):
            message = message.encode("utf-8")
        return base64.b64encode(self.private.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()

    def verify(self, message, signature):
        if isinstance(message, str):
            message = message.encode("utf-8")
        try:
            self.public.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(),
                               hashes.SHA256())
            return True
        except (InvalidSignature, ValueError):
            return False


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    old_mask = os.umask(0o027)
    try:
        with open(path, "w") as f:
            f.write(text)
    finally:
        os.umask(old_mask)
    return path


def aes_gcm_seal(key, nonce, associated_data, plain):
    return base64.b64encode(AESGCM(key).encrypt(nonce.encode(), plain.encode("utf-8"),
                                                associated_data.encode())).decode()
