"""Throughput of ``parse_lines`` on generated Cisco / JunOS syslog (not a test; run by hand):

    .venv/bin/python tests/sources/logs/perf_parse.py --lines 1000000 --runs 3

Shapes as the corpus shows them: IOS via a relay (relay stamp, host, sequence number, device
stamp), IOS XE with PRI and origin-id, IOS XR with node and process, NX-OS, ASA, JunOS over
BSD syslog and JunOS structured data (RFC 5424). Prints lines/s of the best run.
"""

from __future__ import annotations

import argparse
import random
import time

import pyarrow as pa

from seawall.sources.logs import parse_lines

USERS = ["netops", "jsmith", "akumar", "noc", "backup"]
IFACES = ["GigabitEthernet0/1", "TenGigabitEthernet1/0/2", "Tunnel100", "Port-channel1"]


def _ip(r: random.Random) -> str:
    return f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def _cisco_body(r: random.Random) -> str:
    u, ip = r.choice(USERS), _ip(r)
    return r.choice(
        [
            f"%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: {u}] [Source: {ip}] "
            "[localport: 22] at 10:00:00 UTC Fri Mar 1 2024",
            f"%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: {u}] [Source: {ip}] "
            "[localport: 22] [Reason: Login Authentication Failed] at 10:00:00 UTC Fri Mar 1 2024",
            f"%SYS-5-CONFIG_I: Configured from console by {u} on vty0 ({ip})",
            f"%PARSER-5-CFGLOG_LOGGEDCMD: User:{u}  logged command:interface {r.choice(IFACES)}",
            f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {r.choice(IFACES)}, changed "
            f"state to {r.choice(['up', 'down'])}",
            f"%SEC-6-IPACCESSLOGP: list ACL-IN denied tcp {ip}(51234) -> 10.0.0.1(22), 1 packet",
            "%OSPF-5-ADJCHG: Process 1, Nbr 10.0.0.2 on GigabitEthernet0/1 from LOADING to FULL",
            f"%SSH-5-SSH2_SESSION: SSH2 Session request from {ip} (tty = 0) using crypto "
            "cipher 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded",
        ]
    )


def line(r: random.Random, i: int) -> str:
    """One generated line (deterministic for a seeded ``r``)."""
    s = i % 60
    kind = r.random()
    if kind < 0.35:  # IOS through a relay
        return (
            f"Mar  1 10:00:{s:02d} 10.255.{i % 7}.{i % 250} {i}: Mar 1 10:00:{s:02d}.123 UTC: "
            + _cisco_body(r)
        )
    if kind < 0.45:  # IOS XE, PRI and origin-id
        return f"<189>{i}: rtr{i % 40}: Mar  1 10:00:{s:02d}.456 CET: " + _cisco_body(r)
    if kind < 0.55:  # IOS XR
        return (
            f"Mar  1 10:00:{s:02d} xr{i % 30} RP/0/RSP0/CPU0:Mar 1 10:00:{s:02d}.200 UTC: "
            f"ifmgr[27316]: %PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/{i % 48}, "
            "changed state to Down"
        )
    if kind < 0.70:  # NX-OS
        return (
            f"2024 Mar  1 10:00:{s:02d} nx{i % 20} %AAA-6-AAA_ACCOUNTING_MESSAGE: "
            f"update:{_ip(r)}@ssh.{i % 9999}:{r.choice(USERS)}:show ip route vrf all (SUCCESS)"
        )
    if kind < 0.80:  # ASA
        return (
            f"Mar  1 2024 10:00:{s:02d}: %ASA-6-302013: Built inbound TCP connection {i} for "
            f"outside:{_ip(r)}/{1024 + i % 60000} ({_ip(r)}/443) to inside:10.1.1.1/443 "
            "(10.1.1.1/443)"
        )
    if kind < 0.90:  # JunOS over BSD syslog
        return (
            f"Mar  1 10:00:{s:02d} jun{i % 25} mgd[{i % 65000}]: UI_CMDLINE_READ_LINE: User "
            f"'{r.choice(USERS)}', command 'show interfaces terse '"
        )
    return (  # JunOS structured data
        f"<37>1 2024-03-01T10:00:{s:02d}.123+10:00 srx{i % 25} sshd - SSHD_LOGIN_FAILED "
        f'[junos@2636.1.1.1.2.18 username="{r.choice(USERS)}" source-address="{_ip(r)}"]'
    )


def generate(n: int, seed: int = 1) -> list[str]:
    r = random.Random(seed)
    return [line(r, i) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lines = pa.array(generate(args.lines))
    best = float("inf")
    for _ in range(args.runs):
        started = time.perf_counter()
        table, issues = parse_lines(lines, path="generated", default_year=2024)
        best = min(best, time.perf_counter() - started)
    assert table.num_rows == args.lines and not issues, (table.num_rows, issues[:3])
    print(
        f"{args.lines} lines, best of {args.runs}: {best:.2f} s = {args.lines / best:,.0f} lines/s"
    )


if __name__ == "__main__":
    main()
