"""JA4 (NFStream's client_fingerprint), SNI and HTTP User-Agent against NFStream/nDPI on the
corpus captures that carry TLS or HTTP: same flow (5-tuple), same value."""

from __future__ import annotations

import pytest
from appmeta_helpers import TRAFFIC, flow_columns

nfstream = pytest.importorskip("nfstream")

CAPTURES = [
    "c2/sv_TLSv1-Extracted-MaliciousC2.pcap",
    "c2/ndpi_tor.pcap",
    "ioc/ndpi_malware.pcap",
    "ioc/ndpi_tls_malicious_sha1.pcapng",
    "benign/zeek_tls_ecdhe.pcap",
    "benign/zeek_wikipedia.pcap",
    "c2/caldera_ragdoll.pcap",
    "c2/ndpi_trickbot.pcap",
]
KEY = ["source.ip", "source.port", "destination.ip", "destination.port"]


def _nfstream(name: str):
    df = nfstream.NFStreamer(source=str(TRAFFIC / name), n_meters=1).to_pandas()
    return df.rename(
        columns={
            "src_ip": "source.ip",
            "src_port": "source.port",
            "dst_ip": "destination.ip",
            "dst_port": "destination.port",
        }
    )


@pytest.mark.parametrize("name", CAPTURES)
def test_ja4_sni_and_user_agent_match_nfstream(name: str) -> None:
    # A connection split by the idle timeout carries its handshake in its first part only.
    ours = flow_columns(name).drop_duplicates(KEY, keep="first")
    theirs = _nfstream(name).drop_duplicates(KEY, keep="first")
    joined = ours.merge(theirs, on=KEY, how="inner")
    assert len(joined) >= 1
    compared = 0
    for _, row in joined.iterrows():
        if isinstance(row["client_fingerprint"], str) and row["client_fingerprint"].startswith("t"):
            assert row["tls.client.ja4"] == row["client_fingerprint"], dict(row[KEY])
            compared += 1
        sni = row["requested_server_name"]
        if isinstance(sni, str) and sni and row["network.protocol"] == "tls":
            assert row["tls.client.server_name"] == sni, dict(row[KEY])
            compared += 1
        agent = row["user_agent"]
        if isinstance(agent, str) and agent:
            assert row["user_agent.original"] == agent, dict(row[KEY])
            compared += 1
    assert compared >= 1
