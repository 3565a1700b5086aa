"""The information elements the collector maps, numbered as in the IANA IPFIX registry
(RFC 7012). NetFlow v9 field types 1-127 share these numbers (RFC 3954 section 8).

Only elements that feed a FLOW column, an internal column, or collector state (sampling,
system init time) are listed; every other element is skipped by length.
"""

from __future__ import annotations

from typing import Final

# Semantic keys of decoded columns. Data-set decoding turns template fields into these.
SRC_V4: Final = "src_v4"
DST_V4: Final = "dst_v4"
SRC_V6: Final = "src_v6"
DST_V6: Final = "dst_v6"
SPORT: Final = "sport"
DPORT: Final = "dport"
PROTO: Final = "proto"
IP_VERSION: Final = "ip_version"
BYTES: Final = "bytes"
PACKETS: Final = "packets"
REV_BYTES: Final = "rev_bytes"
REV_PACKETS: Final = "rev_packets"
TCP_FLAGS: Final = "tcp_flags"
REV_TCP_FLAGS: Final = "rev_tcp_flags"
IN_IF: Final = "in_if"
OUT_IF: Final = "out_if"
SRC_AS: Final = "src_as"
DST_AS: Final = "dst_as"
SAMPLING_INTERVAL: Final = "sampling_interval"
SAMPLER_ID: Final = "sampler_id"
SAMPLING_PKT_INTERVAL: Final = "sampling_pkt_interval"
SAMPLING_PKT_SPACE: Final = "sampling_pkt_space"
SAMPLING_SIZE: Final = "sampling_size"
SAMPLING_POPULATION: Final = "sampling_population"
START_SYSUPTIME: Final = "start_sysuptime_ms"
END_SYSUPTIME: Final = "end_sysuptime_ms"
START_S: Final = "start_s"
END_S: Final = "end_s"
START_MS: Final = "start_ms"
END_MS: Final = "end_ms"
START_NTP: Final = "start_ntp"  # dateTimeMicroseconds / dateTimeNanoseconds (NTP format)
END_NTP: Final = "end_ntp"
START_DELTA_US: Final = "start_delta_us"
END_DELTA_US: Final = "end_delta_us"
SYSTEM_INIT_MS: Final = "system_init_ms"

# IANA element id -> semantic key (enterprise bit clear).
IANA_ELEMENTS: Final[dict[int, str]] = {
    1: BYTES,  # octetDeltaCount (v9 IN_BYTES)
    2: PACKETS,  # packetDeltaCount (v9 IN_PKTS)
    4: PROTO,  # protocolIdentifier
    6: TCP_FLAGS,  # tcpControlBits
    7: SPORT,  # sourceTransportPort
    8: SRC_V4,  # sourceIPv4Address
    10: IN_IF,  # ingressInterface
    11: DPORT,  # destinationTransportPort
    12: DST_V4,  # destinationIPv4Address
    14: OUT_IF,  # egressInterface
    16: SRC_AS,  # bgpSourceAsNumber
    17: DST_AS,  # bgpDestinationAsNumber
    21: END_SYSUPTIME,  # flowEndSysUpTime (v9 LAST_SWITCHED)
    22: START_SYSUPTIME,  # flowStartSysUpTime (v9 FIRST_SWITCHED)
    27: SRC_V6,  # sourceIPv6Address
    28: DST_V6,  # destinationIPv6Address
    34: SAMPLING_INTERVAL,  # samplingInterval (v9 SAMPLING_INTERVAL)
    48: SAMPLER_ID,  # samplerId (v9 FLOW_SAMPLER_ID)
    50: SAMPLING_INTERVAL,  # samplerRandomInterval (v9 FLOW_SAMPLER_RANDOM_INTERVAL)
    60: IP_VERSION,  # ipVersion
    85: BYTES,  # octetTotalCount, used by exporters without delta counters
    86: PACKETS,  # packetTotalCount
    150: START_S,  # flowStartSeconds
    151: END_S,  # flowEndSeconds
    152: START_MS,  # flowStartMilliseconds
    153: END_MS,  # flowEndMilliseconds
    154: START_NTP,  # flowStartMicroseconds
    155: END_NTP,  # flowEndMicroseconds
    156: START_NTP,  # flowStartNanoseconds
    157: END_NTP,  # flowEndNanoseconds
    158: START_DELTA_US,  # flowStartDeltaMicroseconds (before export time)
    159: END_DELTA_US,  # flowEndDeltaMicroseconds
    160: SYSTEM_INIT_MS,  # systemInitTimeMilliseconds (base of the sysUpTime elements)
    302: SAMPLER_ID,  # selectorId (PSAMP)
    305: SAMPLING_PKT_INTERVAL,  # samplingPacketInterval
    306: SAMPLING_PKT_SPACE,  # samplingPacketSpace
    309: SAMPLING_SIZE,  # samplingSize
    310: SAMPLING_POPULATION,  # samplingPopulation
}

# Where an element is sent in fewer bytes than its type (reduced-size encoding, RFC 7011
# section 6.2) it is still an unsigned integer; addresses and NTP times must be full size.
EXACT_LENGTHS: Final[dict[str, int]] = {
    SRC_V4: 4,
    DST_V4: 4,
    SRC_V6: 16,
    DST_V6: 16,
    START_NTP: 8,
    END_NTP: 8,
}

# RFC 5103 bidirectional flows: reverse elements carry enterprise number 29305 and the
# forward element's id. ipfixprobe and YAF export them.
REVERSE_PEN: Final = 29305
REVERSE_ELEMENTS: Final[dict[int, str]] = {
    1: REV_BYTES,
    2: REV_PACKETS,
    6: REV_TCP_FLAGS,
    85: REV_BYTES,
    86: REV_PACKETS,
}

# NetFlow v9 options templates number their scope fields in their own space (RFC 3954
# section 6.1): they are never information elements.
V9_SCOPE_NAMES: Final[dict[int, str]] = {
    1: "scope_system",
    2: "scope_interface",
    3: "scope_line_card",
    4: "scope_cache",
    5: "scope_template",
}

VARIABLE_LENGTH: Final = 0xFFFF
NTP_UNIX_OFFSET_S: Final = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01


def element_key(element_id: int, enterprise: int) -> str | None:
    """The semantic key of an element, or None when the collector does not use it."""
    if enterprise == 0:
        return IANA_ELEMENTS.get(element_id)
    if enterprise == REVERSE_PEN:
        return REVERSE_ELEMENTS.get(element_id)
    return None
