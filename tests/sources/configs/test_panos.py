"""PAN-OS parser: corpus files (set and brace style) with exact unknown-line counts and the
content read from them, and a crafted firewall covering management exposure (profiles,
GlobalProtect, permitted IPs) in both styles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from config_corpus import (
    CONFIGS,
    assert_table_covers,
    assert_unknown_lines,
    parse_crafted,
    parse_file,
)

from seawall.records.config import DeviceConfig, fingerprint
from seawall.sources.configs import parse_config_text

PANOS = CONFIGS / "paloalto_panos"

# file -> (unknown lines, hostname)
CORPUS = {
    "batfish_panos_application-override-shadowing.cfg": (0, "application-override-shadowing"),
    "batfish_panos_destination-nat.cfg": (0, "destination-nat"),
    "batfish_panos_ignored-lines.cfg": (0, "ignored-lines"),
    "batfish_panos_panorama-rulebase-copy.cfg": (0, "panorama-rulebase-copy"),
    "batfish_panos_security-rules.cfg": (0, "security-rules"),
    "batfish_panos_source-nat-high-availability.cfg": (0, "source-nat-high-availability"),
}


def parse(name: str) -> DeviceConfig:
    return parse_file(PANOS / name, "paloalto_panos")


def test_table_covers_the_folder() -> None:
    assert_table_covers(PANOS, CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_unknown_lines_and_hostname(name: str) -> None:
    model = parse(name)
    unknown, hostname = CORPUS[name]
    assert_unknown_lines(model, unknown)
    assert model.hostname == hostname
    assert (model.vendor, model.os) == ("Palo Alto Networks", "PAN-OS")


def test_mgt_config_users_and_disabled_services() -> None:
    model = parse("batfish_panos_ignored-lines.cfg")
    [admin] = model.users
    assert (admin.name, admin.role, admin.is_admin, admin.secret_type, admin.line) == (
        "admin",
        "superuser",
        True,
        "5",  # phash $1$...
        81,
    )
    assert admin.ssh_keys == 1
    assert admin.secret_fingerprint == fingerprint("$1$vqgaovyp$BA8m4uld.cxY2T/n9ihK2.")
    assert [(s.name, s.enabled, s.line) for s in model.services] == [
        ("telnet", False, 21),
        ("http", False, 22),
    ]
    # the syslog server profile names no server address: no log host is invented
    assert model.logging.hosts == []
    assert "$1$vqgaovyp" not in json.dumps(model.to_dict())


def test_brace_style_interfaces() -> None:
    model = parse("batfish_panos_destination-nat.cfg")
    assert [(i.name, i.kind, i.addresses, i.line) for i in model.interfaces] == [
        ("ethernet1/1.1", "physical", ["1.1.1.3/24"], 14),
        ("ethernet1/1.2", "physical", ["1.1.2.3/24"], 20),
        ("ethernet1/2.1", "physical", ["1.2.1.3/24"], 32),
    ]
    assert model.users == [] and model.services == []


def test_set_style_interfaces() -> None:
    model = parse("batfish_panos_security-rules.cfg")
    assert [(i.name, i.addresses[0], i.line) for i in model.interfaces] == [
        (f"ethernet1/{n}", f"10.0.{n}.1/24", n + 2) for n in range(1, 6)
    ]


def test_panorama_templates_are_not_this_devices_config() -> None:
    model = parse("batfish_panos_panorama-rulebase-copy.cfg")
    assert model.interfaces == []  # the template's interfaces belong to device 00000001


SET = """\
# PAN-OS 10.2.8 running configuration
set deviceconfig system hostname fw-edge
set deviceconfig system ip-address 192.0.2.10
set deviceconfig system netmask 255.255.255.0
set deviceconfig system default-gateway 192.0.2.1
set deviceconfig system permitted-ip 192.0.2.0/24
set deviceconfig system permitted-ip 198.51.100.7
set deviceconfig system service disable-telnet no
set deviceconfig system service disable-http yes
set deviceconfig system ntp-servers primary-ntp-server ntp-server-address 192.0.2.123
set deviceconfig system snmp-setting access-setting version v2c snmp-community-string pubX
set mgt-config users admin phash $6$salt$hash
set mgt-config users admin permissions role-based superuser yes
set mgt-config users ops permissions role-based custom profile full-cli
set mgt-config users ops phash $5$salt$hash
set mgt-config users audit permissions role-based superreader yes
set shared admin-role full-cli role device cli superuser
set network profiles interface-management-profile allow-mgmt https yes
set network profiles interface-management-profile allow-mgmt ssh yes
set network profiles interface-management-profile allow-mgmt telnet no
set network profiles interface-management-profile allow-mgmt permitted-ip 203.0.113.0/24
set network interface ethernet ethernet1/1 layer3 ip 203.0.113.2/24
set network interface ethernet ethernet1/1 layer3 interface-management-profile allow-mgmt
set network interface tunnel units tunnel.1 ip 172.16.0.1/30
set network ike gateway GW1 peer-address ip 198.51.100.200
set network ike gateway GW1 authentication pre-shared-key key -AQ==abc
set network tunnel ipsec T1 tunnel-interface tunnel.1
set network tunnel ipsec T1 auto-key ike-gateway GW1
set network virtual-router default routing-table ip static-route R1 destination 10.9.0.0/16
set network virtual-router default routing-table ip static-route R1 nexthop ip-address 172.16.0.2
set global-protect global-protect-portal GP-PORTAL portal-config local-address interface ethernet1/1
set global-protect global-protect-gateway GP-GW local-address interface ethernet1/1
set shared log-settings syslog SIEM server s1 server 192.0.2.50
set shared log-settings syslog SIEM server s1 port 6514
set shared log-settings syslog SIEM server s1 transport SSL
set shared server-profile tacplus TAC server t1 address 192.0.2.49
set shared server-profile tacplus TAC server t1 secret -AQ==tacacs
delete rulebase security rules OLD
"""

BRACE = """\
# PAN-OS 10.2.8 running configuration
config {
  devices {
    localhost.localdomain {
      deviceconfig {
        system {
          hostname fw-edge;
          ip-address 192.0.2.10;
          netmask 255.255.255.0;
          default-gateway 192.0.2.1;
          permitted-ip {
            192.0.2.0/24;
            198.51.100.7;
          }
          service {
            disable-telnet no;
            disable-http yes;
          }
          ntp-servers {
            primary-ntp-server {
              ntp-server-address 192.0.2.123;
            }
          }
          snmp-setting {
            access-setting {
              version {
                v2c {
                  snmp-community-string pubX;
                }
              }
            }
          }
        }
      }
      network {
        profiles {
          interface-management-profile {
            allow-mgmt {
              https yes;
              ssh yes;
              telnet no;
              permitted-ip {
                203.0.113.0/24;
              }
            }
          }
        }
        interface {
          ethernet {
            ethernet1/1 {
              layer3 {
                ip {
                  203.0.113.2/24;
                }
                interface-management-profile allow-mgmt;
              }
            }
          }
          tunnel {
            units {
              tunnel.1 {
                ip {
                  172.16.0.1/30;
                }
              }
            }
          }
        }
        ike {
          gateway {
            GW1 {
              peer-address {
                ip 198.51.100.200;
              }
              authentication {
                pre-shared-key {
                  key -AQ==abc;
                }
              }
            }
          }
        }
        tunnel {
          ipsec {
            T1 {
              tunnel-interface tunnel.1;
              auto-key {
                ike-gateway GW1;
              }
            }
          }
        }
        virtual-router {
          default {
            routing-table {
              ip {
                static-route {
                  R1 {
                    destination 10.9.0.0/16;
                    nexthop {
                      ip-address 172.16.0.2;
                    }
                  }
                }
              }
            }
          }
        }
      }
      vsys {
        vsys1 {
          global-protect {
            global-protect-portal {
              GP-PORTAL {
                portal-config {
                  local-address {
                    interface ethernet1/1;
                  }
                }
              }
            }
            global-protect-gateway {
              GP-GW {
                local-address {
                  interface ethernet1/1;
                }
              }
            }
          }
        }
      }
    }
  }
  mgt-config {
    users {
      admin {
        phash $6$salt$hash;
        permissions {
          role-based {
            superuser yes;
          }
        }
      }
      ops {
        permissions {
          role-based {
            custom {
              profile full-cli;
            }
          }
        }
        phash $5$salt$hash;
      }
      audit {
        permissions {
          role-based {
            superreader yes;
          }
        }
      }
    }
  }
  shared {
    admin-role {
      full-cli {
        role {
          device {
            cli superuser;
          }
        }
      }
    }
    log-settings {
      syslog {
        SIEM {
          server {
            s1 {
              server 192.0.2.50;
              port 6514;
              transport SSL;
            }
          }
        }
      }
    }
    server-profile {
      tacplus {
        TAC {
          server {
            t1 {
              address 192.0.2.49;
              secret -AQ==tacacs;
            }
          }
        }
      }
    }
  }
}
"""


def _crafted(text: str) -> DeviceConfig:
    return parse_crafted(text, "paloalto_panos")


def _without_lines(value: Any) -> Any:
    if isinstance(value, dict):
        skip = ("line", "path", "lines_total", "features")
        return {k: _without_lines(v) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def test_brace_and_set_style_give_the_same_model() -> None:
    flat, brace = _crafted(SET), _crafted(BRACE)
    assert _without_lines(flat.to_dict()) == _without_lines(brace.to_dict())
    assert flat.features == ["delete rulebase security rules OLD"]


def test_crafted_management_exposure() -> None:
    model = _crafted(SET)
    assert (model.hostname, model.version) == ("fw-edge", "10.2.8")
    users = {u.name: (u.role, u.is_admin, u.secret_type) for u in model.users}
    assert users == {
        "admin": ("superuser", True, "sha512"),
        "ops": ("full-cli", True, "sha512"),  # custom role with CLI superuser
        "audit": ("superreader", False, "unknown"),
    }
    services = [(s.name, s.enabled, s.interface, s.acl, s.line) for s in model.services]
    acl = "interface-management-profile allow-mgmt"
    assert services == [
        ("telnet", True, None, None, 8),
        ("http", False, None, None, 9),
        ("globalprotect", True, "ethernet1/1", None, 31),
        ("globalprotect", True, "ethernet1/1", None, 32),
        ("https", True, "ethernet1/1", acl, 23),
        ("ssh", True, "ethernet1/1", acl, 23),
    ]
    assert model.service("https")[0].options == {
        "profile": "allow-mgmt",
        "allowed": "203.0.113.0/24",  # the profile's only permitted-ip
    }
    assert [s.options for s in model.service("globalprotect")] == [
        {"role": "portal", "name": "GP-PORTAL"},
        {"role": "gateway", "name": "GP-GW"},
    ]
    assert [e.source for e in model.acls["permitted-ip"].entries] == [
        "192.0.2.0/24",
        "198.51.100.7/32",
    ]
    assert [e.source for e in model.acls[acl].entries] == ["203.0.113.0/24"]
    assert [(u.acl, u.where, u.owner) for u in model.acl_uses] == [
        ("permitted-ip", "mpp", "management"),
        (acl, "interface", "ethernet1/1"),
    ]
    interfaces = {i.name: i for i in model.interfaces}
    assert interfaces["management"].addresses == ["192.0.2.10/24"]
    tunnel = interfaces["tunnel.1"]
    assert (tunnel.kind, tunnel.tunnel_destination) == ("tunnel", "198.51.100.200")
    assert [(p.name, p.address) for p in model.crypto_peers] == [("GW1", "198.51.100.200")]
    assert [(s.kind, s.secret_type) for s in model.secrets] == [("isakmp-key", "encrypted")]
    assert [(r.prefix, r.next_hop, r.vrf) for r in model.static_routes] == [
        ("0.0.0.0/0", "192.0.2.1", None),
        ("10.9.0.0/16", "172.16.0.2", "default"),
    ]
    assert [(h.address, h.port, h.transport) for h in model.logging.hosts] == [
        ("192.0.2.50", 6514, "ssl")
    ]
    [server] = model.aaa.servers
    assert (server.protocol, server.address, server.key_type) == (
        "tacacs",
        "192.0.2.49",
        "encrypted",
    )
    assert [s.address for s in model.ntp.servers] == ["192.0.2.123"]
    assert [c.fingerprint for c in model.snmp.communities] == [fingerprint("pubX")]
    dumped = json.dumps(model.to_dict())
    assert "pubX" not in dumped and "$6$salt$hash" not in dumped and "-AQ==" not in dumped


def test_unknown_heads_stay_unknown() -> None:
    parsed = parse_config_text(
        "set deviceconfig system hostname a\nset frobnicate x\nnonsense\n", "x", "paloalto_panos"
    )
    assert parsed.model is not None and parsed.model.unknown_lines == [2, 3]


def test_management_profile_without_permitted_ip_is_open_to_any_source() -> None:
    text = (
        "set network profiles interface-management-profile open https yes\n"
        "set network profiles interface-management-profile unused ssh yes\n"
        "set network interface ethernet ethernet1/3 layer3 interface-management-profile open\n"
    )
    model = _crafted(text)
    # the unused profile offers nothing: only bound profiles become services
    assert [(s.name, s.interface, s.options, s.line) for s in model.services] == [
        ("https", "ethernet1/3", {"profile": "open", "allowed": "any"}, 3)
    ]
