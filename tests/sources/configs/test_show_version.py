"""Saved `show version` outputs: release, OS and hostname per vendor (crafted from the
commands' documented output layouts), and the device they belong to."""

from __future__ import annotations

import pytest

from seawall.records.config import DeviceConfig
from seawall.sources.configs.showversion import apply_show_versions, parse_show_version

SAMPLES = {
    "iosxe": (
        "Cisco IOS XE Software, Version 17.06.05\n"
        "Cisco IOS Software [Bengaluru], ASR1000 Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
        "Version 17.6.5, RELEASE SOFTWARE (fc2)\n"
        "pe-edge-07 uptime is 41 weeks, 2 days, 3 hours, 12 minutes\n"
        "cisco ASR1001-X (1NG) processor (revision 1NG) with 3636083K/6147K bytes of memory.\n",
        ("Cisco", "IOS XE", "17.06.05", "pe-edge-07", "ASR1001-X"),
    ),
    "ios": (
        "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.2(4)M3, "
        "RELEASE SOFTWARE (fc1)\n"
        "branch1 uptime is 3 years, 1 week\n"
        "Cisco CISCO2911/K9 (revision 1.0) with 479232K/45056K bytes of memory.\n",
        ("Cisco", "IOS", "15.2(4)M3", "branch1", None),
    ),
    "nxos": (
        "Cisco Nexus Operating System (NX-OS) Software\n"
        "Software\n  BIOS: version 07.69\n  NXOS: version 9.3(10)\n"
        "Hardware\n  cisco Nexus9000 C93180YC-EX chassis\n"
        "leaf7 uptime is 120 day(s)\n",
        ("Cisco", "NX-OS", "9.3(10)", "leaf7", None),
    ),
    "iosxr": (
        "Cisco IOS XR Software, Version 7.3.2\n"
        "Copyright (c) 2013-2021 by Cisco Systems, Inc.\n"
        "p-core-03 uptime is 2 weeks, 6 days\n",
        ("Cisco", "IOS XR", "7.3.2", "p-core-03", None),
    ),
    "asa": (
        "Cisco Adaptive Security Appliance Software Version 9.8(4)10\nfw1 up 120 days 3 hours\n",
        ("Cisco", "ASA", "9.8(4)10", None, None),
    ),
    "junos": (
        "Hostname: mx-edge-2\nModel: mx204\nJunos: 20.4R3-S1.3\n",
        ("Juniper", "JunOS", "20.4R3-S1.3", "mx-edge-2", "mx204"),
    ),
    "eos": (
        "Arista DCS-7280SR-48C6-F\nHardware version: 11.02\n"
        "Software image version: 4.22.3M\nArchitecture: i686\n",
        ("Arista", "EOS", "4.22.3M", None, "DCS-7280SR-48C6-F"),
    ),
    "panos": (
        "hostname: pa-edge\nmodel: PA-3220\nsw-version: 10.2.9\n"
        "global-protect-client-package-version: 0.0.0\n",
        ("Palo Alto Networks", "PAN-OS", "10.2.9", "pa-edge", "PA-3220"),
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_release_per_vendor(name: str) -> None:
    text, (vendor, os_name, version, hostname, platform) = SAMPLES[name]
    found = parse_show_version(text, f"{name}.txt")
    assert found is not None
    assert (found.vendor, found.os, found.version, found.hostname) == (
        vendor,
        os_name,
        version,
        hostname,
    )
    if platform:
        assert found.platform == platform


def test_not_a_show_version() -> None:
    assert parse_show_version("hostname r1\ninterface Loopback0\n", "r1.cfg") is None
    assert parse_show_version("shopping list\n", "notes.txt") is None


def test_release_goes_to_the_device_of_that_hostname_or_file_name() -> None:
    edge = DeviceConfig(path="cfg/pe-edge-07.cfg", dialect="cisco_ios", hostname="pe-edge-07")
    edge.os, edge.version = "IOS", "17.6"
    core = DeviceConfig(path="cfg/p-core-03.cfg", dialect="cisco_iosxr", hostname="renamed")
    other = DeviceConfig(path="cfg/other.cfg", dialect="cisco_ios", hostname="other")
    other.version = "15.2"
    versions = [
        parse_show_version(SAMPLES["iosxe"][0], "cfg/sv/pe-edge-07.txt"),
        parse_show_version(
            SAMPLES["iosxr"][0].replace("p-core-03 uptime", "xx uptime"),
            "cfg/p-core-03.show_version.txt",
        ),
    ]
    assert apply_show_versions([edge, core, other], [v for v in versions if v]) == 2
    assert (edge.version, edge.os, edge.version_source) == ("17.06.05", "IOS XE", "show version")
    assert (core.version, core.version_source) == ("7.3.2", "show version")
    assert (other.version, other.version_source) == ("15.2", None)
