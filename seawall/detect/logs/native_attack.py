"""ATT&CK Enterprise techniques the log rules may cite, with their names.

The linter warns about an id missing here: either a typo, or a technique to add after
checking it on attack.mitre.org (ids follow the Enterprise matrix as the checklist does;
see the reference's note on the 2025 renumbering of parts of T1562).
"""

from __future__ import annotations

import re

ATTACK_ID = re.compile(r"^T\d{4}(\.\d{3})?$")

TECHNIQUES: dict[str, str] = {
    "T1021": "Remote Services",
    "T1021.004": "Remote Services: SSH",
    "T1040": "Network Sniffing",
    "T1046": "Network Service Discovery",
    "T1048": "Exfiltration Over Alternative Protocol",
    "T1059": "Command and Scripting Interpreter",
    "T1059.004": "Command and Scripting Interpreter: Unix Shell",
    "T1059.008": "Command and Scripting Interpreter: Network Device CLI",
    "T1070": "Indicator Removal",
    "T1070.002": "Indicator Removal: Clear Linux or Mac System Logs",
    "T1070.003": "Indicator Removal: Clear Command History",
    "T1078": "Valid Accounts",
    "T1078.001": "Valid Accounts: Default Accounts",
    "T1078.003": "Valid Accounts: Local Accounts",
    "T1090": "Proxy",
    "T1098": "Account Manipulation",
    "T1098.004": "Account Manipulation: SSH Authorized Keys",
    "T1110": "Brute Force",
    "T1110.001": "Brute Force: Password Guessing",
    "T1133": "External Remote Services",
    "T1136": "Create Account",
    "T1136.001": "Create Account: Local Account",
    "T1190": "Exploit Public-Facing Application",
    "T1505": "Server Software Component",
    "T1543": "Create or Modify System Process",
    "T1548.003": "Abuse Elevation Control Mechanism: Sudo and Sudo Caching",
    "T1556": "Modify Authentication Process",
    "T1562": "Impair Defenses",
    "T1562.004": "Impair Defenses: Disable or Modify System Firewall",
    "T1562.006": "Impair Defenses: Indicator Blocking",
    "T1571": "Non-Standard Port",
    "T1572": "Protocol Tunneling",
    "T1599": "Network Boundary Bridging",
    "T1601": "Modify System Image",
    "T1602": "Data from Configuration Repository",
    "T1602.001": "Data from Configuration Repository: SNMP (MIB Dump)",
    "T1602.002": "Data from Configuration Repository: Network Device Configuration Dump",
    "T1610": "Deploy Container",
    "T1611": "Escape to Host",
}
