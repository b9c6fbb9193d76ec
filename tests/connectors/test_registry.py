"""The registry: every kind maps to a connector that keeps the whole `Connector` contract."""

from __future__ import annotations

from connectors import registry
from connectors.base import Rechecks


def test_every_registered_connector_declares_its_kind_and_secrets_and_what_it_can_recheck() -> None:
    rechecking = set()
    for kind, (cls, config) in registry.known_kinds().items():
        assert cls.kind == kind
        assert config.model_fields["kind"].default == kind
        for names in (cls.secrets, cls.optional_secrets):
            assert isinstance(names, tuple) and all(n.startswith("GATEPOST_") for n in names)
        assert callable(cls.fetch)
        if issubclass(cls, Rechecks):
            rechecking.add(kind)
    # The platforms whose posts can be looked up again by id (edits and deletions).
    assert rechecking == {"reddit", "x", "bluesky", "mastodon"}
