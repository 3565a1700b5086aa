"""Generated device logs for the log benchmarks: IOS, IOS XE, IOS XR, NX-OS, JunOS and ASA
syslog in the shapes the corpus shows (sequence numbers, PRI headers, millisecond stamps),
command accounting included (IOS archive CFGLOG, NX-OS AAA accounting, JunOS
UI_CMDLINE_READ_LINE, ASA 111008). Most lines are benign: administrators log in from a few
jump hosts, changes happen in working hours, packet filters deny the Internet. One line in
~180 is planted to match a shipped Sigma rule (clear logging, local accounts, disabled
logging, capture, TFTP copies, the CVE-2023-20198 Web UI users, BGP MD5 failures).

Seeded: the same arguments always give the same lines. ``PLANTED`` counts how many lines of
each planted kind were written, so the benchmark can check what it finds.

    python bench/genlogs.py --lines 3000000 --out bench/.work/devlogs-3000000.log
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2024, 3, 1, tzinfo=UTC)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
USERS = ["netops", "jsmith", "akumar", "mlopez", "noc", "backup", "svc-ansible"]
# Administrators reach devices from jump hosts and the NMS; changes happen in working hours
# (Mon-Fri 07:00-19:00 UTC; the generated day is a Friday), outside them one change-ish line
# in a hundred is kept. Packet filters log the whole Internet.
ADMIN_SOURCES = [f"10.10.{i // 8}.{10 + i % 8}" for i in range(16)]
NIGHT_CHANGE_KEPT = 0.01
BENIGN_COMMANDS = [
    "interface GigabitEthernet0/{n}",
    "description link to core-{n}",
    "switchport access vlan {n}",
    "spanning-tree portfast",
    "ip address 10.20.{n}.1 255.255.255.0",
    "router ospf 1",
    "network 10.{n}.0.0 0.0.255.255 area 0",
    "mtu 9000",
    "speed 1000",
    "exit",
    "end",
    "write memory",
]
# Planted lines: kind -> (family, template). {u} user, {ip} address, {n} number.
PLANTS = {
    "clear_logging": ("ios_cmd", "clear logging"),
    "no_logging": ("ios_cmd", "no logging host 10.0.{n}.5"),
    "local_account": ("ios_cmd", "username sup{n} privilege 15 secret 0 Pa55w0rd"),
    "show_run": ("ios_cmd", "show running-config"),
    "tftp_copy": ("ios_cmd", "copy running-config tftp://203.0.113.{n}/r.cfg"),
    "capture": ("ios_cmd", "monitor capture point ip cef CAP{n} GigabitEthernet0/1 both"),
    "acl_edit": ("ios_cmd", "access-list 20 permit 203.0.113.{n}"),
    "nxos_clear": ("nxos_cmd", "clear logging logfile"),
    "webui_admin": ("xe", "SEC_LOGIN-5-WEBLOGIN_SUCCESS: Login Success [user: cisco_tac_admin] "
                    "[Source: {ip}] [localport: 80] at {hms} UTC {dow} {mon} {d} 2024"),
    "bgp_md5": ("ios", "IP-TCP-3-BADAUTH: Invalid MD5 digest from {ip}:179 to {ip2}:{port}"),
    "junos_md5": ("junos_kernel", "tcp_auth_ok: Packet from {ip}:179 missing MD5 digest"),
}  # fmt: skip
PLANT_RATE = 1 / 2000  # per kind: 11 kinds -> ~0.55% of lines
VERSION = 2  # part of the cached workload's name: bump when the lines change


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        sites = ("nyc", "dal", "sjc", "ams")
        self.hosts = {
            fam: [f"{fam}-{site}-{i:02d}" for site in sites for i in range(30)]
            for fam in ("ios", "xe", "xr", "nx", "jun", "asa")
        }
        self.host_ips = [f"10.255.{i // 250}.{i % 250 + 1}" for i in range(720)]

    def ip(self) -> str:
        """Any address (packet filter logs, neighbours)."""
        r = self.r
        first = r.choice((10, 172, 192, 198, 203))
        return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def admin(self) -> str:
        """Where administrators log in from."""
        return self.r.choice(ADMIN_SOURCES)

    def changes_allowed(self, t: datetime) -> bool:
        return 7 <= t.hour < 19 or self.r.random() < NIGHT_CHANGE_KEPT

    def user(self) -> str:
        return self.r.choice(USERS)

    def benign_command(self) -> str:
        return self.r.choice(BENIGN_COMMANDS).format(n=self.r.randint(1, 48))

    # --- families: each returns one line for time ``t`` ---------------------------------

    def ios(self, t: datetime, msg: str) -> str:
        r = self.r
        host_ip = r.choice(self.host_ips)
        seq = r.randint(1, 9_999_999)
        stamp = f"{MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S}"
        ms = f"{t.microsecond // 1000:03d}"
        clock = f"{MONTHS[t.month - 1]} {t.day} {t:%H:%M:%S}.{ms} UTC"
        return f"{stamp} {host_ip} {seq}: {clock}: %{msg}"

    def ios_benign(self, t: datetime) -> str:
        r, u, adm = self.r, self.user(), self.admin()
        n = r.randint(0, 48)
        tail = f"at {t:%H:%M:%S} UTC {DAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day} {t.year}"
        choices = [
            f"SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: {u}] [Source: {adm}] "
            f"[localport: 22] {tail}",
            f"SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: {u}] [Source: {adm}] "
            f"[localport: 22] [Reason: Login Authentication Failed] {tail}",
            f"LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/{n}, "
            "changed state to up",
            f"LINK-3-UPDOWN: Interface GigabitEthernet0/{n}, changed state to down",
            f"SEC-6-IPACCESSLOGP: list ACL-IN denied tcp {self.ip()}({r.randint(1024, 65535)}) "
            f"-> {self.ip()}({r.choice((22, 23, 80, 443, 161))}), 1 packet",
            f"SSH-5-SSH2_SESSION: SSH2 Session request from {adm} (tty = 0) using crypto "
            "cipher 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded",
            f"OSPF-5-ADJCHG: Process 1, Nbr 10.0.{n}.1 on GigabitEthernet0/{n} from LOADING "
            "to FULL, Loading Done",
            f"BGP-5-ADJCHANGE: neighbor 10.1.{n}.2 Up",
        ]
        if self.changes_allowed(t):
            choices += [
                f"SYS-5-CONFIG_I: Configured from console by {u} on vty0 ({adm})",
                f"PARSER-5-CFGLOG_LOGGEDCMD: User:{u}  logged command:{self.benign_command()}",
            ]
        return self.ios(t, r.choice(choices))

    def xe_benign(self, t: datetime) -> str:
        r, u, adm = self.r, self.user(), self.admin()
        if r.random() >= 0.4:
            return self.ios_benign(t)
        choices = [
            f"SEC_LOGIN-5-WEBLOGIN_SUCCESS: Login Success [user: {u}] [Source: {adm}] "
            f"[localport: 443] at {t:%H:%M:%S} UTC {DAYS[t.weekday()]} {MONTHS[t.month - 1]} "
            f"{t.day} {t.year}",
            f"DMI-5-AUTH_PASSED: R0/0: dmiauthd: User '{u}' authenticated successfully from "
            f"{adm}:{r.randint(1024, 65535)}  and was authorized for netconf over ssh. "
            "External groups: PRIV15",
        ]
        if self.changes_allowed(t):
            choices.append(
                "SYS-5-CONFIG_P: Configured programmatically by process "
                "iosp_vty_100001_dmi_nesd from console as NETCONF on vty63"
            )
        return self.ios(t, r.choice(choices))

    def xr(self, t: datetime) -> str:
        r, u, adm = self.r, self.user(), self.admin()
        host = r.choice(self.hosts["xr"])
        n = r.randint(0, 47)
        choices = [
            ("exec", f"%SECURITY-LOGIN-6-AUTHEN_SUCCESS : Successfully authenticated user "
             f"'{u}' from '{adm}' on 'vty0'"),
            ("ipv4_acl_mgr", f"%ACL-IPV4_ACL-6-IPACCESSLOGP : access-list MGMT (10) deny tcp "
             f"{self.ip()}({r.randint(1024, 65535)}) -> 10.255.0.1(22), 1 packet"),
            ("bgp", f"%ROUTING-BGP-5-ADJCHANGE : neighbor 10.1.{n}.2 Up (VRF: default) "
             "(AS: 65001)"),
            ("ifmgr", f"%PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/{n}, "
             "changed state to Down"),
        ]  # fmt: skip
        if self.changes_allowed(t):
            choices.append(
                ("config", f"%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user "
                 f"'{u}'. Use 'show configuration commit changes 10000{r.randint(10000, 99999)}' "
                 "to view the changes.")
            )  # fmt: skip
        proc, msg = r.choice(choices)
        ms = f"{t.microsecond // 1000:03d}"
        pid = r.randint(100, 70000)
        return (
            f"{MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {host} RP/0/RSP0/CPU0:"
            f"{MONTHS[t.month - 1]} {t.day} {t:%H:%M:%S}.{ms} UTC: {proc}[{pid}]: {msg}"
        )

    def nxos(self, t: datetime, command: str | None = None) -> str:
        r, u, adm = self.r, self.user(), self.admin()
        host = r.choice(self.hosts["nx"])
        n = r.randint(1, 48)
        allowed = self.changes_allowed(t)
        if command is None and allowed and r.random() < 0.3:
            command = f"configure terminal ; interface Ethernet1/{n} ; {self.benign_command()}"
        if command is not None:
            msg = (
                f"AAA-6-AAA_ACCOUNTING_MESSAGE: update:{adm}@ssh.{r.randint(1000, 30000)}:{u}:"
                f"{command} (SUCCESS)"
            )
        else:
            choices = [
                f"ETHPORT-5-IF_UP: Interface Ethernet1/{n} is up in mode access",
                f"ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/{n} is down (Link failure)",
                f"AUTHPRIV-6-SYSTEM_MSG: pam_unix(sshd:session): session opened for user {u} "
                f"by (uid=0) - sshd[{r.randint(1000, 30000)}]",
            ]
            if allowed:
                choices.append(
                    f"VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by {u} on {adm}@pts/{n % 8}"
                )
            msg = r.choice(choices)
        return f"{t.year} {MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {host} %{msg}"

    def junos(self, t: datetime, kernel: str | None = None) -> str:
        r, u, adm = self.r, self.user(), self.admin()
        host = r.choice(self.hosts["jun"])
        if kernel is not None:
            proc, msg = "kernel", kernel
        else:
            port = r.randint(1024, 65535)
            choices = [
                ("sshd", f"SSHD_LOGIN_FAILED: Login failed for user '{u}' from host '{adm}'"),
                ("sshd", f"Accepted publickey for {u} from {adm} port {port} ssh2"),
                ("mgd", f"UI_CMDLINE_READ_LINE: User '{u}', command 'show interfaces terse '"),
                ("mib2d", f"SNMP_TRAP_LINK_DOWN: ifIndex {r.randint(500, 600)}, ifAdminStatus "
                 f"up(1), ifOperStatus down(2), ifName ge-0/0/{r.randint(0, 47)}"),
            ]  # fmt: skip
            if self.changes_allowed(t):
                choices.append(
                    ("mgd", f"UI_COMMIT: User '{u}' requested 'commit' operation (comment: none)")
                )
            proc, msg = r.choice(choices)
            proc = f"{proc}[{r.randint(1000, 60000)}]"
        return f"{MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {host} {proc}: {msg}"

    def asa(self, t: datetime) -> str:
        r, u = self.r, self.user()
        a, b = self.ip(), self.ip()
        pa_, pb = r.randint(1024, 65535), r.choice((22, 80, 443, 53, 3389))
        conn = r.randint(1, 99_999_999)
        choices = [
            f"%ASA-6-302013: Built inbound TCP connection {conn} for outside:{a}/{pa_} "
            f"({a}/{pa_}) to inside:{b}/{pb} ({b}/{pb})",
            f"%ASA-6-302014: Teardown TCP connection {conn} for outside:{a}/{pa_} to "
            f"inside:{b}/{pb} duration 0:00:{r.randint(10, 59)} bytes {r.randint(40, 90000)} "
            "TCP FINs",
            f"%ASA-4-106023: Deny tcp src outside:{a}/{pa_} dst inside:{b}/{pb} by "
            'access-group "OUTSIDE_IN" [0x0, 0x0]',
            f"%ASA-6-605005: Login permitted from {self.admin()}/{pa_} to inside:10.255.9.1/ssh "
            f'for user "{u}"',
        ]
        if self.changes_allowed(t):
            choices.append(f"%ASA-5-111008: User '{u}' executed the 'write memory' command.")
        msg = r.choice(choices)
        return f"{MONTHS[t.month - 1]} {t.day:2d} {t.year} {t:%H:%M:%S}: {msg}"

    def planted(self, kind: str, t: datetime) -> str:
        family, template = PLANTS[kind]
        r = self.r
        text = template.format(
            u=self.user(),
            ip=self.ip(),
            ip2=self.ip(),
            n=r.randint(1, 250),
            port=r.randint(1024, 65535),
            hms=f"{t:%H:%M:%S}",
            dow=DAYS[t.weekday()],
            mon=MONTHS[t.month - 1],
            d=t.day,
        )
        if family == "ios_cmd":
            user = self.user()
            return self.ios(t, f"PARSER-5-CFGLOG_LOGGEDCMD: User:{user}  logged command:{text}")
        if family == "nxos_cmd":
            return self.nxos(t, command=text)
        if family == "junos_kernel":
            return self.junos(t, kernel=text)
        return self.ios(t, text)


FAMILIES = (("ios", 0.30), ("xe", 0.15), ("xr", 0.15), ("nx", 0.15), ("jun", 0.15), ("asa", 0.10))


def generate(lines: int, seed: int = 1) -> tuple[list[str], Counter[str]]:
    """``lines`` device log lines over one day, and how many of each planted kind."""
    g = Gen(seed)
    r = g.r
    planted: Counter[str] = Counter()
    kinds = list(PLANTS)
    step = timedelta(days=1) / max(lines, 1)
    names = [f for f, _ in FAMILIES]
    weights = [w for _, w in FAMILIES]
    family_of = r.choices(names, weights, k=lines)
    out: list[str] = []
    plant_p = PLANT_RATE * len(kinds)
    for i in range(lines):
        t = START + step * i
        if r.random() < plant_p:
            kind = r.choice(kinds)
            planted[kind] += 1
            out.append(g.planted(kind, t))
            continue
        fam = family_of[i]
        if fam == "ios":
            out.append(g.ios_benign(t))
        elif fam == "xe":
            out.append(g.xe_benign(t))
        elif fam == "xr":
            out.append(g.xr(t))
        elif fam == "nx":
            out.append(g.nxos(t))
        elif fam == "jun":
            out.append(g.junos(t))
        else:
            out.append(g.asa(t))
    return out, planted


def write(path: Path, lines: int, seed: int = 1) -> Counter[str]:
    """Write the lines to ``path`` (one per line) and the planted counts beside it."""
    text, planted = generate(lines, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    path.with_suffix(".planted").write_text(
        "".join(f"{k}\t{v}\n" for k, v in sorted(planted.items())), encoding="utf-8"
    )
    return planted


def read_planted(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.with_suffix(".planted").read_text(encoding="utf-8").splitlines():
        kind, value = line.split("\t")
        counts[kind] = int(value)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    planted = write(args.out, args.lines, args.seed)
    print(f"{args.lines} lines -> {args.out}; planted {sum(planted.values())}: {dict(planted)}")


if __name__ == "__main__":
    main()
