"""Exceptions of the crypto library.

Every error carries a ``hint``: one sentence saying what the person at the keyboard can do.
Decryption problems of any kind raise :class:`DecryptionError` and nothing else, so that the
kind of failure (wrong key, bad tag, truncation, bad header) is no oracle for an attacker.
"""

from __future__ import annotations


class BisikError(Exception):
    """Base of every error Bisik raises on purpose; ``hint`` says what to do next."""

    hint: str = "See the message above."

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class DecryptionError(BisikError):
    """The envelope could not be opened: wrong key, tampering, truncation or a bad header.

    Deliberately one type with one message, so a caller cannot learn which check failed.
    """

    hint = (
        "The file is damaged, incomplete, or not addressed to this key. Copy it again from the "
        "source; if it still fails, it was not encrypted to you."
    )

    def __init__(self) -> None:
        super().__init__("cannot decrypt: wrong key, or the data was damaged or altered")


class PassphraseError(BisikError):
    """A passphrase-sealed file did not open: a wrong passphrase, or the file was altered.

    One type for both, because nobody (not this code either) can tell them apart.
    """

    hint = "Type the passphrase again; if it still fails, restore the file from your backup."

    def __init__(self) -> None:
        super().__init__("the passphrase does not open this file, or the file was altered")


class FormatError(BisikError):
    """A document, key file or record is not in the format the spec describes."""

    hint = "The file is not a Bisik file of this version, or it was damaged."


class SignatureError(BisikError):
    """A signature did not verify, or the signer is not trusted for this purpose."""

    hint = (
        "Do not trust this file. Get the organisation's directory again through a channel you "
        "trust and compare the fingerprint aloud."
    )


class ReceiptError(BisikError):
    """A receipt code is malformed or fails its checksum (most often a typo)."""

    hint = "Check the code you wrote down: 20 letters and digits in five groups of four."
