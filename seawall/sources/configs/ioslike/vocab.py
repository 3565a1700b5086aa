"""Statements that are valid in IOS-style configurations but carry nothing Seawall models.

A statement (or block) whose first word is listed here is *understood*; anything else that no
handler recognises is reported as not understood. Lists are per context (top level, ``ip``
subcommands, interface, line, routing blocks) so a typo inside a block still shows up.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# First words of top-level IOS/IOS XE blocks or statements accepted whole (subtree included).
IOS_TOP = words(
    """
    vlan spanning-tree class-map policy-map parameter-map zone zone-pair clock redundancy
    mmi dial-peer multilink subscriber diagnostic memory buffers exception exception-slave scheduler
    vtp mls errdisable port-channel vpdn bba-group dialer-list dialer system hw-module card
    controller track alias privilege secure security license platform vrf mpls
    udld bridge bridge-domain dot11 wlccp appletalk bsd-client cluster
    coap config-register configure cops device
    dual-mode-default-vlan environment-monitor epm ethernet gatekeeper
    hardware ipc keystore l2 l2protocol load-interval mac
    macro map-class memory-size network-clock
    network-clock-participate onep
    pseudowire-class process-max-time sap schedule
    service-policy spd time-range transceiver
    wrr-queue xconnect xdr xml sntp voice voice-card telephony-service
    ephone ephone-dn sccp stcapp ccm-manager mgcp gateway call-manager-fallback application
    crypto-engine table-map flow sampler ip-flow-export srr-queue vlan-group
    authentication dot1x mab cts device-tracking device-sensor access-session template
    interface-group parser end Building Current Using
    call-home resource service-template identity eap object-group
    performance-monitor avc netflow-lite lacp pagp vmps storm-control fhrp
    stackwise switch stack-power power energywise
    alarm-profile facility-alarm diagnostics upgrade install boot-end-marker boot-start-marker
    nat64 nat66 lisp ipsla rtr
    modemcap chat-script autoinstall arp frame-relay isdn x25 atm qos auto
    ptp mpls-tp pseudowire l2vpn bfd bfd-template segment-routing
    multicast-routing dns proxy-arp wism wireless captive-portal-bypass-list nmsp ap-group
    """
)

# Second words after a top-level ``ip`` that are accepted whole.
IOS_IP = words(
    """
    cef classless subnet-zero domain domain-name domain-list domain-lookup name-server host
    dhcp bootp gratuitous-arps wccp inspect ips sla tcp telnet forward-protocol
    bgp-community community-list as-path extcommunity-list prefix-list nat flow-export flow-cache
    flow flow-top-talkers multicast-routing multicast mroute pim igmp msdp routing default-gateway
    default-network icmp options arp accounting-threshold accounting-list accounting-transits
    rcmd rsh mfwd internal spd ospf admission auth-proxy vrf dns sap gdoi nhrp port-map
    local-policy host-list security audit reflexive-list explicit-path rsvp mrm rtcp rtp
    access-list-compiled flow-aggregation device virtual-reassembly load-sharing tftp
    hardware-forwarding unnumbered finger-server source-route-anything wlccp scp-server
    verify urpf sticky-arp irdp mobile cgmp igmp-snooping name forwarding
    local address ftp-server sdr-name traffic-export dhcp-client dhcp-server mtu proxy-arp
    ssh-client sccp vrrp client smtp nbar source ddns mfib bgp rip trigger-authentication
    """
)

# Second words after a top-level ``ipv6`` that are accepted whole.
IOS_IPV6 = words(
    """
    cef unicast-routing multicast-routing icmp dhcp source-route local enable-acl-cam-sharing
    global-mtu ioam nd neighbor prefix-list general-prefix host hop-limit mld pim flowset
    multicast snooping route-cache mfib nat ospf rip eigrp hardware verify access-list-compiled
    destination-guard source-guard dhcp-ldra
    """
)

# First words inside an interface block.
INTERFACE = words(
    """
    mop switchport spanning-tree duplex speed mtu bandwidth delay load-interval carrier-delay
    negotiation media-type encapsulation hold-queue keepalive standby vrrp glbp channel-group
    channel-protocol service-policy mpls ospfv3 clns ntp bridge-group pvc dialer dialer-group
    ppp max-reserved-bandwidth bundle-enable dsl atm full-duplex half-duplex mac-address arp
    snmp logging storm-control power mls qos priority-queue wrr-queue rcv-queue flowcontrol udld
    dot1x authentication mab device-tracking macsec mka ethernet network-clock crypto vlan
    xconnect pppoe pppoe-client backup frame-relay fair-queue random-detect rate-limit
    traffic-shape custom-queue-list priority-group encryption broadcast-key ssid rts channel
    station-role dot11 beacon world-mode antenna packet bgp-policy h323-gateway medium
    synchronous serial framing linecode cablelength down-when-looped loopback
    peer no-keepalive source-interface compress multilink multilink-group autodetect
    shape police zone-member platform medium-type auto srr-queue tx-ring-limit
    nat64 nat66 lacp pagp service trust cts access-session mtu-ignore
    l2protocol-tunnel l2protocol dampening fabricpath ipx appletalk decnet clock
    transmit-interface vpdn peer-address source ptp macsec-mode bfd mdix
     autostate mlag vxlan speed-group error-disable errdisable
    flow-control sflow counters hardware link-debounce unidirectional txpower
    template host-reachability member
    """
)

INTERFACE_IP = words(
    """
    pim igmp mfib mtu redirects unreachables proxy-arp flow cef load-sharing route-cache
    split-horizon nat virtual-reassembly tcp inspect accounting directed-broadcast helper-address
    verify dhcp wccp mroute-cache rip hello-interval hold-time summary-address bandwidth-percent
    arp irdp mask-reply local-proxy-arp sticky-arp multicast nbar nhrp security sla admission
    auth-proxy ips traffic-export flowspec information-reply gratuitous-arps rsvp dvmrp sap
    msdp urpf source-route unnumbered attached-host virtual-router sdr port-unreachable
    mobile cgmp rtp igrp eigrp next-hop-self dhcp-relay portbundle subscriber ddns
    proxy-arp-interface icmp nat66 wccp-redirect
    """
)

INTERFACE_IPV6 = words(
    """
    enable nd mtu redirects unreachables dhcp mfib pim tcp cef verify rip eigrp router
    flow virtual-reassembly mld inspect nat ospf source-route unnumbered multicast
    hop-limit destination-guard snooping dhcp-relay link-local attached-host icmp flowspec
    """
)

# First words inside a ``line`` block.
LINE = words(
    """
    session-timeout logout-warning escape-character timeout vacant-message speed session-limit
    location absolute-timeout session-disconnect-warning modem terminal-type exec databits
    stopbits flowcontrol privilege script accounting logging rxspeed txspeed notify
    authorization history length width parity activation-character autoselect autohangup
    autocommand no-activation-character disconnect-character dispatch-character insecure
    monitor refuse-message busy-message motd-banner exec-banner stopbits exec-character-bits
    special-character-bits padding hold-character start-character stop-character
    international lockable data-character-bits domain-lookup full-help editing
    ip ipv6 access-class-out telnet vacant-timeout password-timeout transport-type
    """
)

BGP = words(
    """
    bgp neighbor network redistribute address-family exit-address-family synchronization
    auto-summary distance maximum-paths timers router-id aggregate-address default-information
    default-metric table-map distribute-list template exit-peer-session exit-peer-policy
    exit-af-topology inherit peer-session peer-policy graceful-restart graceful-restart-helper
    shutdown update wait-for-convergence wait-install ucmp monitoring vrf vlan-aware-bundle vlan
    rd route-target host-flap next-hop bfd maximum-routes bgp-policy segment-routing
    label mpls snmp import export description rib address-family-type ip ipv6 default
    distance-bgp dampening allow-as-in allowas-in route-distinguisher rpki
    aggregate-route client-to-client set-attribute-ignore route-reflector
    """
)

OSPF = words(
    """
    router-id log-adjacency-changes network area passive-interface redistribute
    default-information timers auto-cost maximum-paths distance distribute-list summary-address
    max-metric bfd mpls capability nsf graceful-restart ispf prefix-suppression default-metric
    compatible discard-route fast-reroute shutdown address-family exit-address-family
    neighbor ignore interface-id limit queue-depth local-rib-criteria microloop
    event-log snmp table-map domain-id domain-tag max-lsa authentication traffic-share
    dead-interval hello-interval retransmit-interval transmit-delay cost priority
    maximum-paths-ecmp
    """
)

EIGRP = words(
    """
    network passive-interface redistribute eigrp metric auto-summary distance
    distribute-list default-metric maximum-paths variance timers offset-list neighbor
    address-family exit-address-family af-interface exit-af-interface topology
    exit-af-topology authentication hello-interval hold-time summary-address split-horizon
    bandwidth-percent stub shutdown router-id nsf bfd default-information traffic-share
    """
)

ISIS = words(
    """
    net is-type metric-style passive-interface redistribute address-family exit-address-family
    authentication area-password domain-password log-adjacency-changes max-lsp-lifetime
    lsp-refresh-interval spf-interval prc-interval lsp-gen-interval set-overload-bit
    maximum-paths distance summary-address default-information metric bfd mpls nsf
    hostname fast-reroute ispf advertise
    """
)

ROUTE_MAP = words("match set description continue sub-route-map exit")

KEY_CHAIN = words(
    "key key-string accept-lifetime send-lifetime cryptographic-algorithm accept-tolerance"
)
