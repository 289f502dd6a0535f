"""Scale-out files checked by the programs that will read them: tor (backend torrc + ob_config,
frontend torrc), Onionbalance's own config loader and key loader, intake's config loader
(server.toml), systemd-analyze (the drop-in), and the real Redis on 127.0.0.1 (a budget spent
through one node is seen by another).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from .conftest import DEPLOY, need
from .helpers import onion_address, tor_options, verify


@pytest.fixture
def addresses() -> dict[str, str]:
    return {
        name: onion_address(Ed25519PrivateKey.generate())
        for name in ("FRONTEND_ONION", "BACKEND1_ONION", "BACKEND2_ONION")
    }


def test_backend_torrc_with_ob_config_passes_tor(
    render: ModuleType, tmp_path: Path, addresses: dict[str, str]
) -> None:
    data = tmp_path / "tor-data"
    onion = data / "onion"
    onion.mkdir(parents=True, mode=0o700)
    data.chmod(0o700)
    values = {"TOR_DATA_DIR": str(data), "ONION_DIR": str(onion), **addresses}
    torrc, ob_config = render.render_all(
        tmp_path / "out",
        values,
        only=["scale-out/backend-torrc.template", "scale-out/ob_config.template"],
    )
    (onion / "ob_config").write_text(ob_config.read_text())
    result = verify(torrc)
    assert result.returncode == 0, result.stdout + result.stderr
    assert tor_options(torrc.read_text())["HiddenServiceOnionBalanceInstance"] == ["1"]
    # The check can fail: a truncated frontend address is refused by tor.
    bad = addresses["FRONTEND_ONION"]
    (onion / "ob_config").write_text(f"MasterOnionAddress {bad[:55]}.onion\n")
    assert verify(torrc).returncode != 0


def test_renderer_checks_the_onion_checksum(render: ModuleType, addresses: dict[str, str]) -> None:
    """tor only checks that an ob_config address is a curve point; the renderer checks more."""
    good = addresses["FRONTEND_ONION"]
    assert render.render_text("@FRONTEND_ONION@", {"FRONTEND_ONION": good}) == good
    flipped = good[:54] + ("a" if good[54] != "a" else "b") + good[55:]  # checksum bits
    with pytest.raises(render.RenderError):
        render.render_text("@FRONTEND_ONION@", {"FRONTEND_ONION": flipped})


def test_backend_torrc_differs_from_single_server_only_by_onionbalance() -> None:
    def options(path: Path) -> dict[str, list[str]]:
        return tor_options(path.read_text())

    single = options(DEPLOY / "tor/torrc.template")
    backend = options(DEPLOY / "scale-out/backend-torrc.template")
    assert backend.pop("HiddenServiceOnionBalanceInstance") == ["1"]
    assert backend == single


def test_frontend_torrc_passes_tor(render: ModuleType, tmp_path: Path) -> None:
    (torrc,) = render.render_all(tmp_path, {}, only=["scale-out/frontend-torrc.template"])
    result = verify(torrc)
    assert result.returncode == 0, result.stdout + result.stderr
    assert tor_options(torrc.read_text())["SocksPort"] == ["0"]


def _onionbalance_config(
    render: ModuleType, tmp_path: Path, addresses: dict[str, str]
) -> tuple[Path, str]:
    """Render the Onionbalance config around a frontend key made as docs/OPERATOR.md says."""
    key_file = tmp_path / "frontend.key"
    subprocess.run(
        [need("openssl"), "genpkey", "-algorithm", "ed25519", "-out", str(key_file)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key = load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    values = {**addresses, "OB_KEY": str(key_file)}
    (config,) = render.render_all(tmp_path, values, only=["scale-out/onionbalance.yaml.template"])
    return config, onion_address(key)


@pytest.fixture
def no_tor_controller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Onionbalance instances keep a handle on the tor controller but do not use it when
    loading; give its singleton an empty one so the config can be checked offline."""
    from onionbalance.hs_v3.onionbalance import my_onionbalance

    monkeypatch.setattr(
        my_onionbalance, "controller", SimpleNamespace(controller=None), raising=False
    )


@pytest.mark.usefixtures("no_tor_controller")
def test_onionbalance_loads_the_config_and_key(
    render: ModuleType, tmp_path: Path, addresses: dict[str, str]
) -> None:
    from onionbalance.hs_v3.onionbalance import Onionbalance
    from onionbalance.hs_v3.service import OnionbalanceService

    config, frontend = _onionbalance_config(render, tmp_path, addresses)
    balancer = Onionbalance()
    balancer.config_path = str(config)
    data = balancer.load_config_file()  # onionbalance's own validation (addresses, keys present)
    (service_data,) = data["services"]
    service = OnionbalanceService(service_data, str(config))  # loads the PEM key, checks instances
    assert service.onion_address.replace(".onion", "") == frontend.replace(".onion", "")
    assert sorted(i.onion_address for i in service.instances) == sorted(
        addresses[k].replace(".onion", "") for k in ("BACKEND1_ONION", "BACKEND2_ONION")
    )


def test_onionbalance_rejects_a_bad_instance_address(
    render: ModuleType, tmp_path: Path, addresses: dict[str, str]
) -> None:
    from onionbalance.hs_v3.onionbalance import ConfigError, Onionbalance

    config, _ = _onionbalance_config(render, tmp_path, addresses)
    good = addresses["BACKEND2_ONION"]
    config.write_text(config.read_text().replace(good, good[:10] + "a" * 46 + ".onion"))
    balancer = Onionbalance()
    balancer.config_path = str(config)
    with pytest.raises(ConfigError):
        balancer.load_config_file()


@pytest.mark.usefixtures("no_tor_controller")
def test_onionbalance_rejects_the_frontend_as_its_own_instance(
    render: ModuleType, tmp_path: Path, addresses: dict[str, str]
) -> None:
    from onionbalance.hs_v3.onionbalance import Onionbalance
    from onionbalance.hs_v3.service import BadServiceInit, OnionbalanceService

    config, frontend = _onionbalance_config(render, tmp_path, addresses)
    config.write_text(config.read_text().replace(addresses["BACKEND2_ONION"], frontend))
    balancer = Onionbalance()
    balancer.config_path = str(config)
    (service_data,) = balancer.load_config_file()["services"]
    with pytest.raises(BadServiceInit):
        OnionbalanceService(service_data, str(config))


def test_renderer_requires_the_onion_addresses(render: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(render.RenderError):
        render.render_all(tmp_path, {}, only=["scale-out/onionbalance.yaml.template"])
    with pytest.raises(render.RenderError):
        render.render_all(
            tmp_path,
            {"FRONTEND_ONION": "not-an-onion.onion"},
            only=["scale-out/ob_config.template"],
        )


def test_shared_server_toml_loads_with_intake_config(tmp_path: Path) -> None:
    from intake.config import load

    (tmp_path / "server.toml").write_text((DEPLOY / "scale-out/server.toml.example").read_text())
    config = load(tmp_path, env={})
    assert config.database_url.startswith("postgresql+psycopg://")
    assert config.limiter_storage.startswith("redis://")
    assert config.listen == "127.0.0.1:8080"
    assert config.blob_store == "database"  # nodes share blobs through PostgreSQL alone
    import sqlalchemy

    assert sqlalchemy.engine.make_url(config.database_url).get_backend_name() == "postgresql"


def test_redis_limiter_budget_is_shared_between_nodes() -> None:
    """Two nodes = two storage clients on one Redis: a budget spent on one binds the other."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    node_a = MovingWindowRateLimiter(storage_from_string("redis://127.0.0.1:6379/0"))
    node_b = MovingWindowRateLimiter(storage_from_string("redis://127.0.0.1:6379/0"))
    limit = parse("3/minute")
    key = f"bisik-deploy-test-{secrets.token_hex(8)}"
    try:
        assert node_a.storage.check(), "Redis is not answering on 127.0.0.1:6379"
        assert all(node_a.hit(limit, key) for _ in range(3))
        assert not node_b.hit(limit, key)  # node B sees node A's three hits
    finally:
        node_a.clear(limit, key)


def test_scale_out_drop_in_verifies(render: ModuleType, tmp_path: Path) -> None:
    venv = Path(sys.executable).parent.parent
    render.render_all(tmp_path, {"VENV": str(venv)}, only=["systemd/bisik.service"])
    units = tmp_path / "systemd"
    drop_in = units / "bisik.service.d"
    drop_in.mkdir()
    text = (DEPLOY / "scale-out/bisik.service.d/scale-out.conf").read_text()
    (drop_in / "scale-out.conf").write_text(text)
    result = subprocess.run(
        [need("systemd-analyze"), "verify", "./bisik.service"],
        capture_output=True,
        text=True,
        cwd=units,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "bisik" not in result.stderr, result.stderr
    assert "IPAddressAllow=10.20.0.5 10.20.0.6" in text
