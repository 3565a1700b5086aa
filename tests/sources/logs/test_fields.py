"""Fields read from real corpus lines (file and line number given), and time zones."""

from __future__ import annotations

from datetime import UTC, datetime

from log_helpers import corpus_records, expect, one, parse

NEXUS = "cisco_nxos/elastic_cisco_nexus_test-nexus.log"
IOS_SYSLOG = "cisco_ios/elastic_cisco_ios_test-syslog.log"
IOS_ELASTIC = "cisco_ios/elastic_cisco_ios_test-cisco-ios.log"
OSSEC_IOS = "cisco_ios/ossec_docs_cisco_ios.log"
SRX = "juniper_junos/elastic_juniper_srx_test-system.log"
ISE = "aaa_tacacs/elastic_cisco_ise_test-pipeline-tacacs-accounting.log"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_sec_login_user_source_and_local_port() -> None:
    nexus = corpus_records(NEXUS)
    expect(
        nexus[66],
        event__code="SEC_LOGIN-5-LOGIN_SUCCESS",
        event__action="login_success",
        event__outcome="success",
        user__name="username",
        source__ip="81.2.69.142",
        destination__port=22,
        host__name="10.100.0.34",
        log__sequence=6031594,
    )
    # a slot-qualified mnemonic (SEC_LOGIN-SW2-5-...) maps the same way
    expect(nexus[71], event__action="login_success", user__name="srvc_a005a7_000")
    ios = corpus_records(IOS_ELASTIC)
    expect(ios[14], user__name="john.smith", source__ip="10.2.55.3", destination__port=22)
    expect(ios[15], event__action="logout", user__name="john.smith", source__ip="10.5.36.9")


def test_configured_by_snmp_and_from_vty() -> None:
    ossec = corpus_records(OSSEC_IOS)
    expect(
        ossec[29],
        event__action="config_change",
        user__name="snmp",
        source__ip="127.0.0.21",
        host__name="site1",
        event__start=utc(2023, 6, 12, 18, 22, 22),
    )
    expect(ossec[1], event__action="config_change", user__name="admin", source__ip="1.1.1.1")
    expect(ossec[6], event__action="logging_stopped", destination__ip="1.1.1.1")
    expect(ossec[7], event__action="system", event__code="SYS-6-LOGGINGHOST_STARTSTOP")
    nexus = corpus_records(NEXUS)
    expect(
        nexus[26],
        event__code="VSHD-5-VSHD_SYSLOG_CONFIG_I",
        event__action="config_change",
        user__name="admin",
        source__ip="172.20.240.105",
    )


def test_nxos_accounting_sudo_and_pam() -> None:
    nexus = corpus_records(NEXUS)
    expect(
        nexus[59],
        event__action="command",
        event__outcome="success",
        user__name="SRVC_A00A12_0006_PRD",
        source__ip="10.63.12.105",
        process__command_line="show ip route vrf all",
    )
    expect(nexus[60], process__command_line="show ip ospf neighbors detail vrf all")
    expect(nexus[58], event__action="session_stop", user__name="SRVC_A00A12_0006_PRD")
    expect(
        nexus[11],
        event__action="privilege_escalation",
        user__name="admin",
        process__command_line="/isanboot/bin/imghdr Debug /var/sysmgr/ftp/img-sync/curr-isan.img",
    )
    expect(nexus[17], event__action="login_failure", user__name="admin")
    expect(nexus[23], event__action="login_failure", source__ip="172.20.240.105")
    expect(nexus[40], event__action="login_failure", user__name="admin")
    expect(nexus[61], event__action="system", event__code="TACACS-4-TACACS_WARNING")


def test_parser_cfglog_command() -> None:
    records = corpus_records("cisco_ios/sigma_regression_cisco_cli_dot1x_disabled.raw.log")
    expect(
        records[1],
        event__action="command",
        user__name="admin",
        process__command_line="no access-session port-control",
        host__ip="172.16.5.10",
        log__sequence=6705,
    )


def test_ise_tacacs_accounting() -> None:
    ise = corpus_records(ISE)
    expect(
        ise[1],
        event__action="command",
        process__command_line="show mac-address-table",
        user__name="psxvne",
        host__ip="81.2.69.144",
        host__name="wlnwan1",
        source__ip="81.2.69.144",
        event__code="3300",
        event__start=utc(2020, 2, 21, 19, 13, 8, 328000),
        event__timezone="+00:00",
    )
    expect(ise[2], event__action="session_start", user__name="psxlms", host__name="LDNBuildSW1")
    expect(ise[3], event__action="session_stop", user__name="psxlms")


def test_junos_structured_data() -> None:
    srx = corpus_records(SRX)
    expect(
        srx[17],
        log__format="junos",
        event__code="SSHD_LOGIN_FAILED",
        event__action="login_failure",
        user__name="aaaaa",
        source__ip="175.16.199.0",
        log__syslog__appname="sshd",
        host__name="AC1234-ABC3-AB-FW01A-ABC",
        event__start=utc(2023, 5, 9, 5, 0, 6, 756000),
        event__timezone="+10:00",
    )
    expect(
        srx[12],
        event__action="snmp_auth_failure",
        source__ip="216.160.83.56",
        destination__ip="89.160.20.128",
    )
    expect(srx[15], event__action="tunnel_state", interface__name="st0.60")
    expect(srx[8], event__action="acl_hit", interface__name="gr-0/0/0.14", source__port=49153)
    expect(srx[1], event__action="vpn", event__code="KMD_PM_SA_ESTABLISHED")
    relayed = corpus_records("juniper_junos/wazuh_junos_ini_extracted.log")
    expect(
        relayed[2],
        event__action="acl_hit",
        event__outcome="failure",
        host__name="sis-srx-mic-01",
        host__ip="192.168.1.1",
        source__port=1080,
        destination__port=8010,
        user__name=None,  # JunOS writes N/A
    )


def test_aaa_files() -> None:
    acs = corpus_records("aaa_tacacs/ossec_docs_cisco_secure_acs.csv.log")
    assert 1 not in acs and 13 not in acs  # the CSV headers
    expect(
        acs[2],
        event__action="login_failure",
        user__name="bscorpio",
        source__ip="122.55.32.13",
        host__ip="10.27.3.1",
        event__start=utc(2004, 5, 18, 2, 11, 3),
    )
    expect(acs[14], event__action="login_success", user__name="bplack")
    radius = corpus_records("aaa_tacacs/ossec_docs_gnu_radius.log")
    assert sorted(radius) == [1, 15]
    expect(
        radius[15],
        event__action="session_stop",
        user__name="e2",
        host__ip="11.10.10.11",
        source__ip="11.10.10.125",
        event__start=utc(2000, 12, 15, 18, 32, 9),
    )
    assert radius[15]["event.original"].count("\n") == 15


def test_asa_and_firewalls() -> None:
    pix = corpus_records("cisco_asa_pix/ossec_docs_cisco_pix.log")
    denied = [r for r in pix.values() if r.get("event.code") == "605004"]
    assert [r["user.name"] for r in denied] == ["root", "dcid", "root"]
    expect(denied[0], source__ip="192.168.2.10", destination__port=22, interface__name="outside")
    expect(pix[16], event__action="acl_hit", source__ip="204.16.208.49", destination__port=1026)
    sonicwall = corpus_records("firewalls/ossec_docs_sonicwall.log")
    expect(sonicwall[2], event__action="login_failure", source__ip="2.2.2.2")
    expect(sonicwall[22], log__format="other", host__ip="1.2.3.4")
    netscreen = corpus_records("juniper_junos/ossec_docs_juniper_netscreen.log")
    expect(netscreen[15], event__action="login_success", user__name="baby")
    expect(netscreen[11], event__action="vpn", event__start=utc(2006, 6, 30, 13, 10, 9))


def test_time_zones() -> None:
    syslog = corpus_records(IOS_SYSLOG)
    # UTC+1 and UTC+07:30 written after the stamp
    expect(syslog[5], event__start=utc(2023, 5, 6, 15, 13, 9, 123000), event__timezone="UTC+1")
    expect(syslog[6], event__start=utc(2023, 5, 6, 8, 43, 9, 123000))
    expect(syslog[7], event__start=utc(2023, 8, 18, 5, 15, 4, 461000), event__timezone="CEST")
    # ISO offset; a year written by Cisco
    expect(syslog[16], event__start=utc(2024, 10, 11, 15, 15, 31, 208321))
    expect(syslog[1], event__start=utc(2022, 1, 6, 20, 52, 12, 861000))
    nexus = corpus_records(NEXUS)
    expect(nexus[17], event__start=utc(2023, 5, 3, 3, 20, 48, 739000), event__timezone="AEST")
    # "rtr AEST: %..." : the zone word after the host belongs to the stamp
    expect(nexus[70], event__timezone="AEST", host__name="ac45ce-sr1")
    ossec = corpus_records(OSSEC_IOS)
    expect(ossec[27], event__timezone="pst", event__start=utc(2023, 12, 11, 16, 2, 53, 887000))
    # an unknown zone is read as UTC and kept as written
    wazuh = corpus_records("cisco_ios/wazuh_cisco_ios_ini_extracted.log")
    expect(wazuh[7], event__timezone="mng", event__start=utc(2023, 10, 6, 3, 32, 4))


def test_year_and_zone_options() -> None:
    line = "123: Aug 17 17:41:24.776 IST: %SYS-5-CONFIG_I: Configured from console by a on vty0"
    expect(one(line, year=2021), event__start=utc(2021, 8, 17, 12, 11, 24, 776000))
    irish = one(line, year=2021, timezones={"IST": "+01:00"})
    expect(irish, event__start=utc(2021, 8, 17, 16, 41, 24, 776000), event__timezone="IST")
    # no zone at all: UTC, nothing recorded
    plain = one("124: Aug 17 17:41:24: %SYS-5-RESTART: System restarted --", year=2021)
    expect(plain, event__start=utc(2021, 8, 17, 17, 41, 24), event__timezone=None)
    # an uptime stamp has no date
    expect(one("00:00:46: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up"), event__start=None)
    # invalid dates give no time, the record stays
    bad = parse(["Feb 30 10:00:00 r1 %SYS-5-RESTART: System restarted --"])[0]
    assert "event.start" not in bad and bad["event.code"] == "SYS-5-RESTART"
